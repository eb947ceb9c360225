/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald driver: journald's native protocol, one datagram per message
 * to /run/systemd/journal/socket (BERTH_JOURNAL_SOCKET overrides it, for
 * tests), fields KEY=VALUE\n, or KEY\n<64-bit LE length>VALUE\n for a value
 * holding a newline.  Fields as Docker sends them: MESSAGE, CONTAINER_ID,
 * CONTAINER_ID_FULL, CONTAINER_NAME, CONTAINER_TAG, IMAGE_NAME,
 * SYSLOG_IDENTIFIER, PRIORITY (6 stdout, 3 stderr) and
 * CONTAINER_PARTIAL_MESSAGE=true on a partial message.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define DGRAM_MAX (BERTH_LOG_LINE_MAX + 8192)

struct journald {
	int fd;
	char fixed[4096]; /* the fields every message carries */
	size_t fixed_len;
	char dgram[DGRAM_MAX];
};

static const char *const opts[] = { "tag", NULL };

static int check(const char *key, const char *value, struct berth_error **err)
{
	return berth_log_tag_check(value, err);
}

/* Append one field to @buf (of @size, @len used); false when it does not fit. */
static bool field(char *buf, size_t size, size_t *len, const char *key, const char *v, size_t vlen)
{
	size_t klen = strlen(key), need = klen + vlen + (memchr(v, '\n', vlen) ? 10 : 2);
	uint64_t le = htole64(vlen);

	if (*len + need > size)
		return false;
	memcpy(buf + *len, key, klen);
	*len += klen;
	if (memchr(v, '\n', vlen) == NULL) {
		buf[(*len)++] = '=';
	} else {
		buf[(*len)++] = '\n';
		memcpy(buf + *len, &le, 8);
		*len += 8;
	}
	memcpy(buf + *len, v, vlen);
	*len += vlen;
	buf[(*len)++] = '\n';
	return true;
}

static int fixed_fields(struct journald *j, const struct berth_log_info *info, const char *tag,
			struct berth_error **err)
{
	char short_id[13];
	const char *keys[] = { "CONTAINER_ID",	"CONTAINER_ID_FULL", "CONTAINER_NAME",
			       "CONTAINER_TAG", "SYSLOG_IDENTIFIER", "IMAGE_NAME" };
	const char *vals[] = { short_id, info->id, info->name ? info->name : "",
			       tag,	 tag,	   info->image_name ? info->image_name : "" };

	snprintf(short_id, sizeof(short_id), "%s", info->id);
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(keys); i++)
		if (!field(j->fixed, sizeof(j->fixed), &j->fixed_len, keys[i], vals[i],
			   strlen(vals[i])))
			return berth_error_set(err, E2BIG, "journald: container fields too long");
	return 0;
}

static int journal_connect(struct berth_error **err)
{
	const char *path = getenv("BERTH_JOURNAL_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = BERTH_LOG_SEND_TIMEOUT_MS / 1000 };
	cleanup_close int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (path == NULL || *path == '\0')
		path = JOURNAL_SOCKET;
	if (fd < 0)
		return berth_error_errno(err, "journald: socket");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return berth_error_errno(err, "journald is not running on this host ('%s')",
						 path);
		return berth_error_errno(err, "journald: connect to '%s'", path);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return berth_error_errno(err, "journald: SO_SNDTIMEO");
	return steal_fd(&fd);
}

static void journald_close(void *priv)
{
	struct journald *j = priv;

	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

static int journald_open(const struct berth_log_info *info, void **priv, struct berth_error **err)
{
	cleanup_free char *tag = NULL;
	struct journald *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return berth_error_set(err, ENOMEM, "journald: out of memory");
	j->fd = -1;
	if (berth_log_tag(berth_log_opt(info->log_config, "tag"), info, &tag, err) < 0 ||
	    fixed_fields(j, info, tag, err) < 0 || (j->fd = journal_connect(err)) < 0) {
		journald_close(j);
		return berth_error_ret(err);
	}
	*priv = j;
	return 0;
}

static int journald_emit(void *priv, const struct berth_log_msg *m, struct berth_error **err)
{
	struct journald *j = priv;
	const char *prio = m->stream == BERTH_LOG_STDERR ? "3" : "6";
	size_t len = 0;

	field(j->dgram, DGRAM_MAX, &len, "MESSAGE", m->text, m->len);
	field(j->dgram, DGRAM_MAX, &len, "PRIORITY", prio, 1);
	if (m->partial)
		field(j->dgram, DGRAM_MAX, &len, "CONTAINER_PARTIAL_MESSAGE", "true", 4);
	memcpy(j->dgram + len, j->fixed, j->fixed_len); /* DGRAM_MAX leaves room for it */
	len += j->fixed_len;
	for (;;) {
		if (send(j->fd, j->dgram, len, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			break;
	}
	return berth_error_set(err, errno, "journald: send: %s",
			       errno == EAGAIN ? "timed out" : strerror(errno));
}

const struct berth_log_ops berth_log_journald_ops = {
	.name = "journald",
	.opts = opts,
	.check = check,
	.open = journald_open,
	.emit = journald_emit,
	.close = journald_close,
};
