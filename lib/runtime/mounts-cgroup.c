/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "runtime/mount-util.h"
#include "runtime/rootfs-steps.h"
#include "util/cleanup.h"
#include "util/fs.h"

/*
 * The "cgroup" mount type.  On a cgroup2 host it is one cgroup2 mount.  On a
 * v1 or hybrid host, as runc does: a tmpfs at the destination and, inside it,
 * one mount per hierarchy the host has under /sys/fs/cgroup (read from
 * /proc/self/mountinfo, which still shows the host's mounts since we have
 * not pivoted), named as on the host.  Fresh mounts of the hierarchies, so in
 * a cgroup namespace the container sees its own cgroup as the root.  Without
 * a cgroup namespace (or in a user namespace, where v1 cannot be mounted) each
 * hierarchy is instead a bind of the container's own cgroup directory, found
 * in the /proc/self/cgroup the init read before unsharing, as runc does.
 * Everything is read-only unless the mount asks for "rw".
 */

#define CGROUP_ROOT "/sys/fs/cgroup/"
#define CG_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define CG_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

struct hierarchy {
	char name[256];	 /* directory name under the destination, "cpu" or "unified" */
	char fstype[64]; /* "cgroup" or "cgroup2" */
	char data[256];	 /* super options without rw/ro: "cpu", "name=systemd" */
};

/* What the init would read of the host: cgroup2 or the v1 hierarchies (rootfs.h). */
struct berth_cgroup_layout {
	bool v2;
	struct hierarchy *h;
	size_t n;
};

/* Keep the super options that select the hierarchy. */
static void filter_opts(const char *super, char *out, size_t size)
{
	cleanup_free char *copy = strdup(super);
	char *save = NULL, *tok;
	size_t len = 0;

	out[0] = '\0';
	if (copy == NULL)
		return;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "rw") == 0 || strcmp(tok, "ro") == 0)
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", tok);
		if (len >= size)
			return;
	}
}

/* One mountinfo line: "... mountpoint opts [tags] - fstype source super". */
static int parse_line(char *line, struct hierarchy *h)
{
	char mnt[4096], fstype[64], super[1024];
	char *dash = strstr(line, " - ");
	size_t len;

	if (dash == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
	    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
		return 0;
	if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
		return 0;
	if (strncmp(mnt, CGROUP_ROOT, strlen(CGROUP_ROOT)) != 0)
		return 0;
	if (strchr(mnt + strlen(CGROUP_ROOT), '/') != NULL || strchr(mnt, '\\') != NULL)
		return 0;
	len = strlen(mnt + strlen(CGROUP_ROOT));
	if (len >= sizeof(h->name))
		return 0;
	memcpy(h->name, mnt + strlen(CGROUP_ROOT), len + 1);
	snprintf(h->fstype, sizeof(h->fstype), "%s", fstype);
	filter_opts(super, h->data, sizeof(h->data));
	return h->name[0] != '\0';
}

/* Append hierarchy @h to the vector. */
static int push(struct hierarchy **v, size_t *n, const struct hierarchy *h)
{
	struct hierarchy *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -ENOMEM;
	nv[(*n)++] = *h;
	*v = nv;
	return 0;
}

/* mountinfo read in one go (a few reads, not one per stdio buffer). */
static int list_hierarchies(struct hierarchy **out, size_t *n, struct berth_error **err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	ret = berth_read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &text, NULL, err);
	if (ret < 0)
		return ret;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct hierarchy h;

		/* most lines are not cgroup mounts: no sscanf of them */
		if (strstr(l, " - cgroup") == NULL || parse_line(l, &h) <= 0)
			continue;
		if (push(out, n, &h) < 0) {
			free(*out);
			*out = NULL;
			return berth_error_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

static bool host_is_v2(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Mount @type at @dest (inside @rootfd) with @data; read-only when @ro. */
static int mount_one(int rootfd, const char *dest, const char *type, const char *data, bool ro,
		     struct berth_error **err)
{
	cleanup_close int tree = -1;
	cleanup_close int fd = -1;
	unsigned long flags = CG_FLAGS | (ro ? MS_RDONLY : 0);

	tree = berth_mnt_fsmount(type, type, data && *data ? data : NULL, flags, err);
	if (tree < 0)
		return tree;
	fd = berth_mnt_open_dest(rootfd, dest, false, err);
	if (fd < 0)
		return fd;
	return berth_mnt_attach(tree, fd, dest, err);
}

/* The path of hierarchy @h in @self (a /proc/self/cgroup text), or NULL. */
static char *own_path(const struct hierarchy *h, const char *self)
{
	cleanup_free char *copy = strdup(self ? self : "");
	char *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(l, ':'), *path;

		if (ctrl == NULL || (path = strchr(ctrl + 1, ':')) == NULL)
			continue;
		*path++ = '\0';
		ctrl++;
		if (strcmp(h->fstype, "cgroup2") == 0 ? *ctrl == '\0' : strcmp(ctrl, h->data) == 0)
			return strdup(path);
	}
	return NULL;
}

/* A detached bind of the container's own cgroup of hierarchy @h. */
static int own_tree(const char *dest, const struct hierarchy *h, const char *self, bool ro,
		    struct berth_error **err)
{
	struct berth_mnt_attr a = { .set = CG_ATTRS | (ro ? MOUNT_ATTR_RDONLY : 0),
				    .userns_fd = -1 };
	cleanup_free char *path = own_path(h, self);
	cleanup_free char *src = NULL;
	cleanup_close int tree = -1;

	if (path == NULL)
		return berth_error_set(err, ENOENT, "no cgroup of hierarchy '%s' for the container",
				       h->name);
	if (asprintf(&src, CGROUP_ROOT "%s%s", h->name, path) < 0)
		return berth_error_set(err, ENOMEM, "out of memory");
	tree = berth_mnt_clone_attr(AT_FDCWD, src, &a, err);
	if (tree < 0)
		return berth_error_prefix(err, "'%s'", dest);
	return steal_fd(&tree);
}

/*
 * Hierarchy @h on its directory in the tmpfs @top.  That directory was made
 * by us in the tmpfs before it was attached, so the name is looked up in @top
 * directly (and, without MOVE_MOUNT_T_SYMLINKS, never followed).
 */
/* Returns the attached mount's fd (closed by the caller, all at once). */
static int mount_hierarchy(int top, const char *dest, const struct hierarchy *h, bool bind, bool ro,
			   const struct berth_rootfs_opts *o, struct berth_error **err)
{
	cleanup_close int tree = -1;

	if (bind)
		tree = own_tree(dest, h, o->self_cgroup, ro, err);
	else
		tree = berth_mnt_fsmount(h->fstype, h->fstype, h->data[0] ? h->data : NULL,
					 CG_FLAGS | (ro ? MS_RDONLY : 0), err);
	if (tree < 0)
		return tree;
	if (move_mount(tree, "", top, h->name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berth_error_errno(err, "attach mount on '%s'", dest);
	return steal_fd(&tree);
}

/*
 * The tmpfs at the destination with a directory per hierarchy, made while it
 * is still detached (nobody else can put anything there), then attached.
 * Returns the tmpfs's mount fd.
 */
static int mount_top(int rootfd, const struct berth_mount *m, const struct hierarchy *h, size_t n,
		     struct berth_error **err)
{
	cleanup_close int top = -1;
	cleanup_close int fd = -1;
	int ret;

	top = berth_mnt_fsmount("tmpfs", "tmpfs", "mode=755", CG_FLAGS, err);
	if (top < 0)
		return top;
	for (size_t i = 0; i < n; i++)
		if (mkdirat(top, h[i].name, 0755) < 0 && errno != EEXIST)
			return berth_error_errno(err, "'%s/%s'", m->destination, h[i].name);
	fd = berth_mnt_open_dest(rootfd, m->destination, false, err);
	if (fd < 0)
		return fd;
	ret = berth_mnt_attach(top, fd, m->destination, err);
	return ret < 0 ? ret : steal_fd(&top);
}

static int mount_v1(int rootfd, const struct berth_mount *m, bool ro,
		    const struct berth_rootfs_opts *o, struct berth_error **err)
{
	bool bind = !o->cgroupns || o->userns;
	cleanup_free struct hierarchy *listed = NULL;
	const struct hierarchy *h;
	struct berth_mnt_attr lock = { .set = MOUNT_ATTR_RDONLY, .userns_fd = -1 };
	cleanup_close int top = -1;
	cleanup_free int *fds = NULL;
	size_t n = 0;
	int ret = 0;

	if (o->cgroup_layout != NULL) {
		h = o->cgroup_layout->h;
		n = o->cgroup_layout->n;
	} else if ((ret = list_hierarchies(&listed, &n, err)) < 0) {
		return ret;
	} else {
		h = listed;
	}
	fds = malloc((n ? n : 1) * sizeof(*fds));
	if (fds == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
	top = mount_top(rootfd, m, h, n, err);
	if (top < 0)
		return top;
	for (size_t i = 0; i < n && ret >= 0; i++) {
		cleanup_free char *dest = NULL;

		if (asprintf(&dest, "%s/%s", m->destination, h[i].name) < 0)
			ret = berth_error_set(err, ENOMEM, "out of memory");
		else if ((ret = mount_hierarchy(top, dest, &h[i], bind, ro, o, err)) < 0)
			ret = berth_error_prefix(err, "cgroup hierarchy '%s'", h[i].name);
		else
			fds[i] = ret;
	}
	berth_close_fds(fds, n);
	if (ret < 0)
		return ret;
	/* The tmpfs itself last, once its mount points exist. */
	return ro ? berth_mnt_setattr(top, &lock, m->destination, err) : 0;
}

int berth_rootfs_mount_cgroup(int rootfd, const struct berth_mount *m,
			      const struct berth_rootfs_opts *o, struct berth_error **err)
{
	bool ro = !(m->clear & MS_RDONLY);

	if (m->flags & MS_RDONLY)
		ro = true;
	if (strcmp(m->type, "cgroup2") == 0 ||
	    (o->cgroup_layout ? o->cgroup_layout->v2 : host_is_v2()))
		return mount_one(rootfd, m->destination, "cgroup2", NULL, ro, err);
	return mount_v1(rootfd, m, ro, o, err);
}

static bool needs_layout(const struct berth_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (strcmp(spec->mounts[i].type, "cgroup") == 0)
			return true;
	return false;
}

int berth_cgroup_layout_read(const struct berth_spec *spec, struct berth_cgroup_layout **out,
			     struct berth_error **err)
{
	struct berth_cgroup_layout *l;
	int ret;

	*out = NULL;
	if (!needs_layout(spec))
		return 0;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	l->v2 = host_is_v2();
	if (!l->v2 && (ret = list_hierarchies(&l->h, &l->n, err)) < 0) {
		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void berth_cgroup_layout_free(struct berth_cgroup_layout *l)
{
	if (l == NULL)
		return;
	free(l->h);
	free(l);
}
