/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/cp.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr.h"
#include "engine/live.h"
#include "engine/tar-tree.h"
#include "storage/extract.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The container side of a copy: its loaded record and its root's directory fd. */
struct side {
	struct berth_engine *e;
	struct berth_ctr *c;
	int rootfd;
	bool mounted;
	int64_t uid_base, gid_base; /* host ids of the container's root (user namespace) */
};

static int64_t map_base(json_object *userns, const char *kind)
{
	json_object *m, *v;

	if (!json_object_object_get_ex(userns, kind, &m) ||
	    !json_object_object_get_ex(m, "ContainerID", &v) || json_object_get_int64(v) != 0 ||
	    !json_object_object_get_ex(m, "HostID", &v))
		return 0;
	return json_object_get_int64(v);
}

static int side_open(struct berth_engine *e, const char *ref, bool writing, struct side *s,
		     struct berth_error **err)
{
	json_object *u, *hc, *ro, *en;

	*s = (struct side){ .e = e, .rootfd = -1 };
	if (berth_ctr_get(e, ref, &s->c, err) < 0)
		return berth_error_ret(err);
	hc = berth_ctr_hostconfig(s->c);
	if (writing && hc && json_object_object_get_ex(hc, "ReadonlyRootfs", &ro) &&
	    json_object_get_boolean(ro)) {
		berth_ctr_free(s->c);
		return berth_error_set(err, EROFS, "container rootfs is marked read-only");
	}
	if (json_object_object_get_ex(s->c->record, "BerthUserns", &u) &&
	    json_object_object_get_ex(u, "Enabled", &en) && json_object_get_boolean(en)) {
		s->uid_base = map_base(u, "UidMap");
		s->gid_base = map_base(u, "GidMap");
	}
	s->rootfd = berth_ctr_rootfs_open(e, s->c, &s->mounted, err);
	if (s->rootfd < 0) {
		berth_ctr_free(s->c);
		return berth_error_ret(err);
	}
	return 0;
}

static void side_close(struct side *s)
{
	berth_ctr_rootfs_close(s->e, s->c->id, s->rootfd, s->mounted);
	berth_ctr_free(s->c);
}

/* A path of the container opened in its root; ENOENT in Docker's words. */
static int ctr_open(struct side *s, const char *path, int flags, struct berth_error **err)
{
	int fd = berth_openat_in_root(s->rootfd, path[0] ? path : "/", flags, 0);

	if (fd == -ENOENT)
		return berth_error_set(err, ENOENT, "Could not find the file %s in container %s",
				       path, berth_ctr_name(s->c));
	if (fd < 0) {
		errno = -fd;
		return berth_error_errno(err, "container %s: open '%s'", berth_ctr_name(s->c),
					 path);
	}
	return fd;
}

/* An unnamed temporary file in the container's directory: tar streams go through it. */
static int tmpfile_in(struct side *s, struct berth_error **err)
{
	cleanup_close int dfd = berth_ctr_dirfd(s->e, s->c->id, err);
	int fd;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_errno(err, "temporary file in %s", s->c->id);
	return fd;
}

static int write_tree(int fd, int out_fd, const struct berth_tar_tree_opts *to,
		      struct berth_error **err)
{
	struct archive *a = NULL;
	int ret;

	if (berth_tar_open(out_fd, &a, err) < 0)
		return berth_error_ret(err);
	ret = berth_tar_tree(a, fd, to, err);
	if (berth_tar_close(a, ret == 0, ret == 0 ? err : NULL) < 0)
		ret = berth_error_ret(err);
	return ret;
}

static int extract(int dirfd, int tarfd, bool chown, struct berth_error **err)
{
	struct berth_extract_opts xo = {
		.name = "copy",
		.whiteouts = BERTH_WHITEOUT_DELETE,
		.allow_devices = berth_storage_devices_allowed(),
		.chown = chown,
	};
	char diffid[128];

	if (lseek(tarfd, 0, SEEK_SET) < 0)
		return berth_error_errno(err, "rewind the copy");
	return berth_layer_extract(dirfd, tarfd, NULL, "copy", &xo, diffid, err);
}

/* The archive's top name per the plan; the caller frees. */
static char *plan_name(const struct berth_cp_plan *p, const char *src, const char *dest)
{
	switch (p->name) {
	case BERTH_CP_NAME_CONTENTS:
		return strdup(".");
	case BERTH_CP_NAME_SRC:
		return berth_cp_base(src);
	default:
		return berth_cp_base(dest);
	}
}

static char *parent_of(const char *path)
{
	cleanup_free char *copy = strdup(path);
	size_t n;

	if (copy == NULL)
		return NULL;
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	return strdup(dirname(copy));
}

/* The source in the container: an O_PATH fd, symlink itself unless -L. */
static int ctr_source(struct side *s, const char *src, const struct berth_cp_opts *o, bool *dir,
		      struct berth_error **err)
{
	struct stat st;
	int fd = ctr_open(s, src, O_PATH | (o->follow ? 0 : O_NOFOLLOW), err);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return berth_error_errno(err, "stat '%s'", src);
	}
	*dir = S_ISDIR(st.st_mode);
	return fd;
}

int berth_ctr_cp_out(struct berth_engine *e, const char *ref, const char *src,
		     const struct berth_cp_opts *o, int out_fd, struct berth_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *name = NULL;
	struct berth_cp_plan p = { .into_dest = true, .name = BERTH_CP_NAME_SRC };
	struct side s;
	bool dir = false;
	int ret;

	if (side_open(e, ref, false, &s, err) < 0)
		return berth_error_ret(err);
	fd = ctr_source(&s, src, o, &dir, err);
	/* as if copied into an existing directory: its base name, or "." for "dir/." */
	ret = fd < 0 ? fd : berth_cp_plan(src, dir, "/", true, true, &p, err);
	if (ret == 0 && (name = plan_name(&p, src, src)) == NULL)
		ret = berth_error_set(err, ENOMEM, "out of memory");
	if (ret == 0) {
		struct berth_tar_tree_opts to = {
			.arcname = name, .uid = -1, .gid = -1, .id_add = -s.uid_base
		};
		ret = write_tree(fd, out_fd, &to, err);
	}
	side_close(&s);
	return ret;
}

/* Where on the host: the directory to extract into. */
static int host_target(const char *src, bool dir, const char *dest, struct berth_cp_plan *p,
		       struct berth_error **err)
{
	cleanup_free char *parent = NULL;
	struct stat st;
	bool exists = stat(dest, &st) == 0;
	int fd;

	if (!exists && errno != ENOENT)
		return berth_error_errno(err, "stat '%s'", dest);
	if (berth_cp_plan(src, dir, dest, exists, exists && S_ISDIR(st.st_mode), p, err) < 0)
		return berth_error_ret(err);
	if (!p->into_dest && (parent = parent_of(dest)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	fd = open(p->into_dest ? dest : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_errno(err, "open '%s'", p->into_dest ? dest : parent);
	return fd;
}

int berth_ctr_cp_to_host(struct berth_engine *e, const char *ref, const char *src, const char *dest,
			 const struct berth_cp_opts *o, struct berth_error **err)
{
	cleanup_close int fd = -1, dirfd = -1, tmp = -1;
	cleanup_free char *name = NULL;
	struct berth_cp_plan p;
	struct side s;
	bool dir = false;
	int ret = -1;

	if (side_open(e, ref, false, &s, err) < 0)
		return berth_error_ret(err);
	if ((fd = ctr_source(&s, src, o, &dir, err)) < 0 ||
	    (dirfd = host_target(src, dir, dest, &p, err)) < 0 || (tmp = tmpfile_in(&s, err)) < 0)
		goto out;
	if ((name = plan_name(&p, src, dest)) == NULL) {
		berth_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	struct berth_tar_tree_opts to = {
		.arcname = name, .uid = -1, .gid = -1, .id_add = -s.uid_base
	};
	if (write_tree(fd, tmp, &to, err) == 0)
		ret = extract(dirfd, tmp, o->archive, err);
out:
	side_close(&s);
	return ret < 0 ? berth_error_ret(err) : 0;
}

/* Where in the container: the directory to extract into, resolved in its root. */
static int ctr_target(struct side *s, const char *src, bool dir, const char *dest,
		      struct berth_cp_plan *p, struct berth_error **err)
{
	cleanup_free char *parent = NULL;
	struct stat st;
	int fd = berth_openat_in_root(s->rootfd, dest, O_PATH, 0);
	bool exists = fd >= 0 && fstat(fd, &st) == 0;

	if (fd >= 0) {
		close(fd);
	} else if (fd != -ENOENT) {
		errno = -fd;
		return berth_error_errno(err, "container %s: open '%s'", berth_ctr_name(s->c),
					 dest);
	}
	if (berth_cp_plan(src, dir, dest, exists, exists && S_ISDIR(st.st_mode), p, err) < 0)
		return berth_error_ret(err);
	if (!p->into_dest && (parent = parent_of(dest)) == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	return ctr_open(s, p->into_dest ? dest : parent, O_RDONLY | O_DIRECTORY, err);
}

/* Ownership of what goes in: the container's root, or with -a the source's ids, mapped. */
static struct berth_tar_tree_opts in_owner(const struct side *s, const struct berth_cp_opts *o,
					   const char *name)
{
	return (struct berth_tar_tree_opts){
		.arcname = name,
		.uid = o->archive ? -1 : 0,
		.gid = o->archive ? -1 : 0,
		.id_add = s->uid_base,
		.skip_whiteout_names = true,
	};
}

int berth_ctr_cp_from_host(struct berth_engine *e, const char *ref, const char *src,
			   const char *dest, const struct berth_cp_opts *o,
			   struct berth_error **err)
{
	cleanup_close int fd = -1, dirfd = -1, tmp = -1;
	cleanup_free char *name = NULL;
	struct berth_cp_plan p;
	struct side s;
	struct stat st;
	int ret = -1;

	fd = open(src, O_PATH | O_CLOEXEC | (o->follow ? 0 : O_NOFOLLOW));
	if (fd < 0 || fstat(fd, &st) < 0)
		return berth_error_errno(err, "'%s'", src);
	if (side_open(e, ref, true, &s, err) < 0)
		return berth_error_ret(err);
	if ((dirfd = ctr_target(&s, src, S_ISDIR(st.st_mode), dest, &p, err)) < 0 ||
	    (tmp = tmpfile_in(&s, err)) < 0)
		goto out;
	if ((name = plan_name(&p, src, dest)) == NULL) {
		berth_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	struct berth_tar_tree_opts to = in_owner(&s, o, name);
	if (write_tree(fd, tmp, &to, err) == 0)
		ret = extract(dirfd, tmp, true, err);
out:
	side_close(&s);
	return ret < 0 ? berth_error_ret(err) : 0;
}

int berth_ctr_cp_in(struct berth_engine *e, const char *ref, int in_fd, const char *dest,
		    const struct berth_cp_opts *o, struct berth_error **err)
{
	cleanup_close int dirfd = -1, tmp = -1;
	struct archive *a = NULL;
	struct side s;
	int ret = -1;

	if (side_open(e, ref, true, &s, err) < 0)
		return berth_error_ret(err);
	dirfd = berth_openat_in_root(s.rootfd, dest, O_RDONLY | O_DIRECTORY, 0);
	if (dirfd == -ENOTDIR)
		berth_error_set(err, ENOTDIR, "extraction point is not a directory");
	else if (dirfd < 0)
		ctr_open(&s, dest, O_RDONLY | O_DIRECTORY, err);
	if (dirfd < 0 || (tmp = tmpfile_in(&s, err)) < 0 || berth_tar_open(tmp, &a, err) < 0)
		goto out;
	struct berth_tar_tree_opts to = in_owner(&s, o, "");
	ret = berth_tar_rewrite(in_fd, a, &to, err);
	if (berth_tar_close(a, ret == 0, ret == 0 ? err : NULL) < 0)
		ret = -1;
	if (ret == 0)
		ret = extract(dirfd, tmp, true, err);
out:
	side_close(&s);
	return ret < 0 ? berth_error_ret(err) : 0;
}

int berth_ctr_export(struct berth_engine *e, const char *ref, int out_fd, struct berth_error **err)
{
	struct side s;
	int ret;

	if (side_open(e, ref, false, &s, err) < 0)
		return berth_error_ret(err);
	struct berth_tar_tree_opts to = {
		.arcname = "", .uid = -1, .gid = -1, .id_add = -s.uid_base
	};
	ret = write_tree(s.rootfd, out_fd, &to, err);
	side_close(&s);
	return ret;
}
