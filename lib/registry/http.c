/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "registry/registry-internal.h"
#include "util/cleanup.h"

/* Single-request plumbing over a libcurl easy handle. */

void reg_resp_release(struct reg_resp *rs)
{
	free(rs->body);
	free(rs->content_type);
	free(rs->digest);
	free(rs->location);
	free(rs->www_auth);
	free(rs->range);
	memset(rs, 0, sizeof(*rs));
}

static void set_header(char **slot, const char *v, size_t n)
{
	free(*slot);
	*slot = strndup(v, n);
}

size_t reg_header_cb(char *buf, size_t size, size_t n, void *userdata)
{
	struct reg_resp *rs = userdata;
	size_t len = size * n, name_len, vlen;
	const char *colon = memchr(buf, ':', len), *v;

	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100-continue): forget the last one's. */
		char *body = rs->body;
		size_t blen = rs->len;

		rs->body = NULL;
		reg_resp_release(rs);
		rs->body = body;
		rs->len = blen;
		return len;
	}
	if (colon == NULL)
		return len;
	name_len = colon - buf;
	v = colon + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = buf + len - v;
	while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
		vlen--;
#define IS(h) (name_len == strlen(h) && strncasecmp(buf, h, name_len) == 0)
	if (IS("content-type"))
		set_header(&rs->content_type, v, vlen);
	else if (IS("docker-content-digest"))
		set_header(&rs->digest, v, vlen);
	else if (IS("location"))
		set_header(&rs->location, v, vlen);
	else if (IS("www-authenticate"))
		set_header(&rs->www_auth, v, vlen);
	else if (IS("range"))
		set_header(&rs->range, v, vlen);
	else if (IS("content-length")) {
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
		rs->length = strtoull(tmp, NULL, 10);
		rs->has_length = true;
	}
#undef IS
	return len;
}

int reg_easy_setup(struct berth_registry *reg, struct reg_endpoint *ep, CURL *c,
		   struct berth_error **err)
{
	CURLcode r = CURLE_OK;

	/* Only http(s), also across redirects: a registry must not send us to file:// or ftp. */
	r |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	r |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	r |= curl_easy_setopt(c, CURLOPT_USERAGENT, reg->user_agent);
	r |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	r |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer (under 1 byte/s for a minute) fails instead of hanging. */
	r |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	r |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	r |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	r |= curl_easy_setopt(c, CURLOPT_SHARE, reg->share);
	if (ep->ca_pem != NULL) {
		struct curl_blob blob = { .data = ep->ca_pem,
					  .len = ep->ca_len,
					  .flags = CURL_BLOB_NOCOPY };

		r |= curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (ep->cert != NULL) {
		r |= curl_easy_setopt(c, CURLOPT_SSLCERT, ep->cert);
		r |= curl_easy_setopt(c, CURLOPT_SSLKEY, ep->key);
	}
	if (r != CURLE_OK)
		return berth_error_set(err, EINVAL, "%s: cannot configure libcurl", ep->host);
	return 0;
}

struct body_src {
	const struct reg_req *rq;
	uint64_t off;
	int error;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *userdata)
{
	struct body_src *s = userdata;
	uint64_t left = s->rq->body_len - s->off;
	size_t want = size * n < left ? size * n : (size_t)left;
	ssize_t got;

	if (want == 0)
		return 0;
	if (s->rq->body != NULL) {
		memcpy(buf, s->rq->body + s->off, want);
		got = want;
	} else {
		do
			got = pread(s->rq->body_fd, buf, want, (off_t)s->off);
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			s->error = got < 0 ? errno : EIO;
			return CURL_READFUNC_ABORT;
		}
	}
	s->off += got;
	return got;
}

/* The response body, kept up to a cap: past it the transfer is aborted, not truncated. */
struct perform_ctx {
	struct reg_resp *rs;
	size_t cap;
};

static size_t capped_cb(char *buf, size_t size, size_t n, void *userdata)
{
	struct perform_ctx *p = userdata;
	struct reg_resp *rs = p->rs;
	size_t len = size * n;
	char *nb;

	if ((rs->has_length && rs->length > p->cap) || rs->len + len > p->cap) {
		rs->too_big = true;
		return 0;
	}
	nb = realloc(rs->body, rs->len + len + 1);
	if (nb == NULL)
		return 0;
	memcpy(nb + rs->len, buf, len);
	rs->body = nb;
	rs->len += len;
	nb[rs->len] = '\0';
	return len;
}

static CURLcode set_method(CURL *c, const struct reg_req *rq, struct body_src *src)
{
	CURLcode r = CURLE_OK;
	bool has_body = rq->body != NULL || rq->body_fd >= 0;

	if (strcmp(rq->method, "HEAD") == 0)
		return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (strcmp(rq->method, "GET") == 0)
		return CURLE_OK;
	if (has_body || strcmp(rq->method, "PUT") == 0) {
		r |= curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		r |= curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
		r |= curl_easy_setopt(c, CURLOPT_READDATA, src);
		r |= curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rq->body_len);
	} else if (strcmp(rq->method, "POST") == 0) {
		r |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		r |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	r |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	return r;
}

static struct curl_slist *build_headers(const struct reg_req *rq, const char *auth)
{
	struct curl_slist *h = NULL;
	char line[1024];

	if (auth != NULL)
		h = curl_slist_append(h, auth);
	if (rq->accept != NULL) {
		snprintf(line, sizeof(line), "Accept: %s", rq->accept);
		h = curl_slist_append(h, line);
	}
	snprintf(line, sizeof(line), "Content-Type: %s",
		 rq->content_type ? rq->content_type : "application/octet-stream");
	h = curl_slist_append(h, line);
	/* No "Expect: 100-continue" round trip before uploads. */
	h = curl_slist_append(h, "Expect:");
	return h;
}

static void easy_cleanup(CURL **c)
{
	if (*c != NULL)
		curl_easy_cleanup(*c);
}

static void slist_cleanup(struct curl_slist **h)
{
	curl_slist_free_all(*h);
}

static int transport_error(const struct reg_req *rq, CURLcode r, const char *detail,
			   struct berth_error **err)
{
	int code = EIO;

	if (r == CURLE_COULDNT_CONNECT || r == CURLE_COULDNT_RESOLVE_HOST)
		code = ECONNREFUSED;
	else if (r == CURLE_OPERATION_TIMEDOUT)
		code = ETIMEDOUT;
	else if (r == CURLE_PEER_FAILED_VERIFICATION || r == CURLE_SSL_CONNECT_ERROR)
		code = EPROTO;
	return berth_error_set(err, code, "%s %s: %s", rq->method, rq->url,
			       detail[0] ? detail : curl_easy_strerror(r));
}

int reg_perform(struct berth_registry *reg, struct reg_endpoint *ep, const struct reg_req *rq,
		const char *auth, struct reg_resp *rs, struct berth_error **err)
{
	__attribute__((cleanup(easy_cleanup))) CURL *c = curl_easy_init();
	__attribute__((cleanup(slist_cleanup))) struct curl_slist *h = build_headers(rq, auth);
	struct body_src src = { .rq = rq };
	struct perform_ctx pc = { .rs = rs, .cap = rq->cap ? rq->cap : 65536 };
	char detail[CURL_ERROR_SIZE] = "";
	CURLcode r = CURLE_OK;

	if (c == NULL || h == NULL)
		return berth_error_set(err, ENOMEM, "%s %s: out of memory", rq->method, rq->url);
	if (reg_easy_setup(reg, ep, c, err) < 0)
		return berth_error_ret(err);
	r |= curl_easy_setopt(c, CURLOPT_URL, rq->url);
	r |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reg_header_cb);
	r |= curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	r |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, capped_cb);
	r |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &pc);
	r |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
	r |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, rq->follow ? 1L : 0L);
	r |= set_method(c, rq, &src);
	if (r != CURLE_OK)
		return berth_error_set(err, EINVAL, "%s %s: cannot configure libcurl", rq->method,
				       rq->url);
	r = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	if (rs->too_big)
		return berth_error_set(err, EFBIG, "%s %s: response larger than %zu bytes",
				       rq->method, rq->url, rq->cap);
	if (src.error != 0) {
		errno = src.error;
		return berth_error_errno(err, "%s %s: read request body", rq->method, rq->url);
	}
	if (r != CURLE_OK)
		return transport_error(rq, r, detail, err);
	return 0;
}

/* The distribution spec's error body: {"errors":[{"code":"...","message":"..."}]}. */
static void error_summary(const struct reg_resp *rs, char *buf, size_t n)
{
	const char *code = rs->body ? strstr(rs->body, "\"code\":\"") : NULL;
	const char *msg = rs->body ? strstr(rs->body, "\"message\":\"") : NULL;
	int clen = 0, mlen = 0;

	buf[0] = '\0';
	if (code == NULL)
		return;
	code += 8;
	clen = strcspn(code, "\"");
	if (msg != NULL) {
		msg += 11;
		mlen = strcspn(msg, "\"");
	}
	snprintf(buf, n, " (%.*s%s%.*s)", clen > 64 ? 64 : clen, code, mlen ? ": " : "",
		 mlen > 160 ? 160 : mlen, msg ? msg : "");
	for (char *p = buf; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
}

int reg_status_error(const struct reg_req *rq, const struct reg_resp *rs, struct berth_error **err)
{
	char summary[256];
	int code = EIO;

	error_summary(rs, summary, sizeof(summary));
	if (rs->status == 401)
		return berth_error_set(err, EACCES,
				       "%s %s: 401 Unauthorized%s: authentication "
				       "failed, check the user name and password (berth login)",
				       rq->method, rq->url, summary);
	if (rs->status == 403)
		code = EPERM;
	else if (rs->status == 404)
		code = ENOENT;
	else if (rs->status == 400 || rs->status == 405)
		code = EINVAL;
	else if (rs->status == 429)
		code = EAGAIN;
	return berth_error_set(err, code, "%s %s: HTTP status %ld%s", rq->method, rq->url,
			       rs->status, summary);
}

char *reg_resolve_location(const struct reg_endpoint *ep, const char *loc)
{
	char *out = NULL;

	if (loc == NULL || loc[0] == '\0')
		return NULL;
	if (strncmp(loc, "http://", 7) == 0 || strncmp(loc, "https://", 8) == 0)
		return strdup(loc);
	if (loc[0] != '/')
		return NULL;
	if (asprintf(&out, "%s%s", ep->base, loc) < 0)
		return NULL;
	return out;
}
