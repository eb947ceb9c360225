/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "image/push.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/blobs.h"
#include "image/images.h"
#include "image/reference.h"
#include "util/cleanup.h"

/*
 * push: store → registry.  Blobs first (found, mounted or uploaded), the
 * manifest last, so the registry never serves a manifest whose blobs are
 * missing.  The registry client is blocking, so blobs go up in child
 * processes, @parallel at a time; each child has its own client and reports
 * one line on a pipe: "U\n" when it starts uploading, then "D<outcome> <from>"
 * or "E<errno> <message>".
 */

struct push_blob {
	const char *digest;
	int64_t size;
	bool foreign;
};

struct push {
	struct berth_store *s;
	const struct berth_push_opts *o;
	struct berth_image *img;
	struct berth_reference *dst;
	char *from; /* a repository of the destination registry the image came from, or NULL */
	struct push_blob *blobs;
	size_t n;
};

static const struct berth_registry_opts no_opts;

static const struct berth_registry_opts *reg_opts(const struct push *p)
{
	return p->o->registry ? p->o->registry : &no_opts;
}

/* Without a destination the reference must be one of the image's tags (not an ID prefix). */
static int check_tagged(struct push *p, const char *d, struct berth_error **err)
{
	cleanup_free char *full = berth_reference_string(p->dst);

	if (full == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (char **t = p->img->tags; *t; t++)
		if (strcmp(*t, full) == 0)
			return 0;
	return berth_error_set(err, EINVAL, "'%s' is not a tag of a local image: %s", d,
			       "tag the image or name a destination");
}

/* The destination: o->destination, else the source reference (a tag of the image). */
static int parse_destination(struct push *p, struct berth_error **err)
{
	const char *d = p->o->destination ? p->o->destination : p->o->reference;
	int ret;

	ret = berth_reference_parse(d, &p->dst, err);
	if (ret < 0)
		return ret;
	if (p->dst->digest != NULL)
		return berth_error_set(err, EINVAL, "'%s': cannot push to a digest reference", d);
	if (p->dst->tag == NULL && (p->dst->tag = strdup(BERTH_DEFAULT_TAG)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return p->o->destination ? 0 : check_tagged(p, d, err);
}

/* A repository of the destination's registry whose repo digest names this image. */
static int find_mount_source(struct push *p, struct berth_error **err)
{
	for (char **rd = p->img->repo_digests; *rd && p->from == NULL; rd++) {
		struct berth_reference *r = NULL;

		if (berth_reference_parse(*rd, &r, err) < 0) {
			berth_error_clear(err); /* a stale entry only costs the mount */
			continue;
		}
		if (strcmp(r->domain, p->dst->domain) == 0 && strcmp(r->path, p->dst->path) != 0 &&
		    (p->from = strdup(r->path)) == NULL) {
			berth_reference_free(r);
			return berth_error_set(err, ENOMEM, "out of memory");
		}
		berth_reference_free(r);
	}
	return 0;
}

/* Layers in order, then the config. */
static int list_blobs(struct push *p, struct berth_error **err)
{
	struct berth_image *img = p->img;
	int64_t size = 0;

	p->blobs = calloc(img->n_layers + 1, sizeof(*p->blobs));
	if (p->blobs == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct berth_image_layer *l = &img->layers[i];

		p->blobs[p->n++] = (struct push_blob){
			.digest = l->digest,
			.size = l->size,
			.foreign = l->urls != NULL && !berth_blob_exists(p->s, l->digest),
		};
	}
	if (berth_blob_size(p->s, img->id, &size, err) < 0)
		return berth_error_prefix(err, "config");
	p->blobs[p->n++] = (struct push_blob){ .digest = img->id, .size = size };
	return 0;
}

/* One blob: found, mounted or uploaded; @uploading is told before an upload. */
static int push_one(struct push *p, struct berth_registry *reg, const struct push_blob *b,
		    void (*uploading)(void *), void *ctx, enum berth_push_outcome *outcome,
		    struct berth_error **err)
{
	cleanup_close int fd = -1;
	int ret;

	if (b->foreign) {
		*outcome = BERTH_PUSH_SKIPPED;
		return 0;
	}
	ret = berth_registry_blob_exists(reg, p->dst->path, b->digest, NULL, err);
	if (ret != 0) {
		*outcome = BERTH_PUSH_EXISTS;
		return ret < 0 ? ret : 0;
	}
	if (p->from != NULL) {
		ret = berth_registry_mount_blob(reg, p->dst->path, p->from, b->digest, err);
		if (ret < 0)
			berth_error_clear(err); /* e.g. no pull right on @from: upload instead */
		*outcome = BERTH_PUSH_MOUNTED;
		if (ret == 1)
			return 0;
	}
	uploading(ctx);
	fd = berth_blob_open(p->s, b->digest, err);
	if (fd < 0)
		return fd;
	ret = berth_registry_push_blob(reg, p->dst->path, b->digest, (uint64_t)b->size, fd, err);
	*outcome = ret == 1 ? BERTH_PUSH_EXISTS : BERTH_PUSH_UPLOADED;
	return ret < 0 ? ret : 0;
}

static void child_uploading(void *ctx)
{
	int fd = *(int *)ctx;

	if (write(fd, "U\n", 2) < 0)
		return; /* the parent only misses the "Pushing" line */
}

/* In the child: push blob @i, report on @fd, never return. */
static void child_run(struct push *p, size_t i, int fd)
{
	struct berth_registry *reg = NULL;
	struct berth_error *err = NULL;
	enum berth_push_outcome outcome = BERTH_PUSH_UPLOADED;
	char *line = NULL;
	int ret, len;

	ret = berth_registry_open(p->dst->domain, reg_opts(p), &reg, &err);
	if (ret == 0)
		ret = push_one(p, reg, &p->blobs[i], child_uploading, &fd, &outcome, &err);
	if (ret < 0)
		len = asprintf(&line, "E%d %s", err->code, err->msg);
	else
		len = asprintf(&line, "D%d %s", (int)outcome, p->from ? p->from : "");
	if (len > 0 && write(fd, line, (size_t)len) != len)
		ret = -EIO;
	_exit(ret < 0 ? 1 : 0);
}

struct slot {
	pid_t pid;
	int fd;
	size_t index;
	size_t len;
	bool told; /* "uploading" reported */
	char buf[2048];
};

static int start_child(struct push *p, size_t i, struct slot *sl, struct berth_error **err)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return berth_error_errno(err, "pipe");
	fflush(NULL); /* nothing buffered may be written twice */
	sl->pid = fork();
	if (sl->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return berth_error_errno(err, "fork");
	}
	if (sl->pid == 0) {
		close(fds[0]);
		signal(SIGPIPE, SIG_IGN);
		child_run(p, i, fds[1]);
	}
	close(fds[1]);
	*sl = (struct slot){ .pid = sl->pid, .fd = fds[0], .index = i };
	return 0;
}

/* The child of @sl is done: reap it, decode its line, tell the caller. */
static int finish_child(struct push *p, struct slot *sl, struct berth_error **err)
{
	const struct berth_push_events *ev = p->o->events;
	const char *msg = sl->buf, *rest;
	int status = 0, code;

	close(sl->fd);
	while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR)
		;
	sl->buf[sl->len] = '\0';
	if (strncmp(msg, "U\n", 2) == 0)
		msg += 2;
	rest = strchr(msg, ' ');
	if ((msg[0] != 'D' && msg[0] != 'E') || rest == NULL || sscanf(msg + 1, "%d", &code) != 1)
		return berth_error_set(err, EIO, "blob %s: the upload process died (status %d)",
				       p->blobs[sl->index].digest, status);
	if (msg[0] == 'E')
		return berth_error_set(err, code > 0 ? code : EIO, "%s", rest + 1);
	if (ev && ev->done)
		ev->done(ev->ctx, sl->index, p->blobs[sl->index].digest,
			 (enum berth_push_outcome)code,
			 code == BERTH_PUSH_MOUNTED ? rest + 1 : NULL);
	return 0;
}

/* Read what child @sl wrote; 1 when it closed its end. */
static int drain(struct push *p, struct slot *sl)
{
	const struct berth_push_events *ev = p->o->events;
	ssize_t r = read(sl->fd, sl->buf + sl->len, sizeof(sl->buf) - 1 - sl->len);

	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	sl->len += (size_t)r;
	if (!sl->told && sl->len >= 2 && strncmp(sl->buf, "U\n", 2) == 0) {
		sl->told = true;
		if (ev && ev->uploading)
			ev->uploading(ev->ctx, sl->index, p->blobs[sl->index].digest);
	}
	return r == 0 || sl->len == sizeof(sl->buf) - 1;
}

/* Wait for any child to write; reap those that finished.  Returns the first error. */
static int step(struct push *p, struct slot *slots, size_t *active, int ret,
		struct berth_error **err)
{
	struct pollfd pfd[64];

	for (size_t i = 0; i < *active; i++)
		pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
	if (poll(pfd, *active, -1) < 0 && errno != EINTR)
		return ret < 0 ? ret : berth_error_errno(err, "poll");
	for (size_t i = *active; i-- > 0;) {
		struct berth_error *e = NULL;

		if (pfd[i].revents == 0 || drain(p, &slots[i]) == 0)
			continue;
		if (finish_child(p, &slots[i], &e) < 0 && ret == 0)
			ret = berth_error_set(err, e->code, "%s", e->msg);
		berth_error_free(e);
		slots[i] = slots[--*active];
	}
	return ret;
}

static int push_blobs(struct push *p, struct berth_error **err)
{
	int par = p->o->parallel > 0 ? p->o->parallel : BERTH_REGISTRY_PARALLEL;
	struct slot *slots;
	size_t next = 0, active = 0;
	int ret = 0;

	if (par > 64)
		par = 64;
	slots = calloc((size_t)par, sizeof(*slots));
	if (slots == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	while ((next < p->n && ret == 0) || active > 0) {
		while (ret == 0 && next < p->n && active < (size_t)par) {
			ret = start_child(p, next, &slots[active], err);
			if (ret == 0)
				active++, next++;
		}
		if (active > 0)
			ret = step(p, slots, &active, ret, err);
	}
	free(slots);
	return ret;
}

static void announce(const struct push *p)
{
	const struct berth_push_events *ev = p->o->events;

	if (ev && ev->begin)
		ev->begin(ev->ctx, p->n);
	for (size_t i = 0; ev && ev->blob && i < p->n; i++)
		ev->blob(ev->ctx, i, p->blobs[i].digest, (uint64_t)p->blobs[i].size);
}

static int put_manifest(struct push *p, struct berth_push_result *res, struct berth_error **err)
{
	cleanup_free char *body = NULL;
	struct berth_registry *reg = NULL;
	size_t len = 0;
	int ret;

	ret = berth_blob_read(p->s, p->img->manifest, BERTH_MANIFEST_MAX, &body, &len, err);
	if (ret < 0)
		return berth_error_prefix(err, "manifest");
	ret = berth_registry_open(p->dst->domain, reg_opts(p), &reg, err);
	if (ret == 0)
		ret = berth_registry_put_manifest(reg, p->dst->path, p->dst->tag, body, len,
						  p->img->media_type, err);
	berth_registry_free(reg);
	if (ret < 0)
		return ret;
	snprintf(res->tag, sizeof(res->tag), "%s", p->dst->tag);
	memcpy(res->digest, p->img->manifest, sizeof(res->digest));
	res->size = len;
	return 0;
}

/* name@digest joins the repo digests: later pushes can mount from it. */
static int remember(struct push *p, struct berth_error **err)
{
	cleanup_free char *name = berth_reference_name(p->dst);
	cleanup_free char *rd = NULL;

	if (p->img->index[0] != '\0')
		return 0;
	if (name == NULL || asprintf(&rd, "%s@%s", name, p->img->manifest) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	return berth_image_add(
	    p->s, &(struct berth_image_add_opts){ .manifest = p->img->manifest, .reference = rd },
	    NULL, err);
}

static int push_steps(struct push *p, struct berth_push_result *res, struct berth_error **err)
{
	int ret;

	if ((ret = berth_image_resolve(p->s, p->o->reference, &p->img, err)) < 0 ||
	    (ret = parse_destination(p, err)) < 0 || (ret = find_mount_source(p, err)) < 0 ||
	    (ret = list_blobs(p, err)) < 0)
		return ret;
	announce(p);
	if ((ret = push_blobs(p, err)) < 0 || (ret = put_manifest(p, res, err)) < 0)
		return ret;
	return remember(p, err);
}

int berth_image_push(struct berth_store *s, const struct berth_push_opts *o,
		     struct berth_push_result *out, struct berth_error **err)
{
	struct push p = { .s = s, .o = o };
	struct berth_push_result res = { 0 };
	int ret;

	ret = berth_store_lease(s, err);
	if (ret == 0) {
		ret = push_steps(&p, &res, err);
		berth_store_unlease(s);
	}
	if (ret < 0)
		berth_error_prefix(err, "push %s", o->destination ? o->destination : o->reference);
	else if (out != NULL)
		*out = res;
	free(p.blobs);
	free(p.from);
	berth_reference_free(p.dst);
	berth_image_free(p.img);
	return ret;
}
