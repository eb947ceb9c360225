/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/ctr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/ctr-internal.h"
#include "engine/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define RECORD_MAX (4 << 20)

static bool is_full_id(const char *s)
{
	return strlen(s) == BERTH_CTR_ID_LEN && strspn(s, "0123456789abcdef") == BERTH_CTR_ID_LEN;
}

static bool exists(struct berth_engine *e, const char *id)
{
	struct stat st;

	return fstatat(e->ctrfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int berth_ctr_lookup(struct berth_engine *e, const char *ref, char *id, struct berth_error **err)
{
	const char *name = ref[0] == '/' ? ref + 1 : ref;
	cleanup_strv char **ids = NULL;
	char target[BERTH_CTR_ID_LEN + 1];
	ssize_t n;
	int found = 0;

	if (is_full_id(ref) && exists(e, ref)) {
		memcpy(id, ref, BERTH_CTR_ID_LEN + 1);
		return 0;
	}
	if (name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 &&
	    (n = readlinkat(e->namesfd, name, target, sizeof(target) - 1)) == BERTH_CTR_ID_LEN) {
		target[n] = '\0';
		if (exists(e, target)) {
			memcpy(id, target, sizeof(target));
			return 0;
		}
	}
	if (ref[0] != '\0' && strspn(ref, "0123456789abcdef") == strlen(ref)) {
		if (berth_ctr_list(e, &ids, err) < 0)
			return berth_error_ret(err);
		for (char **p = ids; *p != NULL; p++) {
			if (strncmp(*p, ref, strlen(ref)) != 0)
				continue;
			if (found++)
				return berth_error_set(err, EINVAL,
						       "multiple containers match \"%s\": use more "
						       "characters of the id",
						       ref);
			memcpy(id, *p, BERTH_CTR_ID_LEN + 1);
		}
		if (found)
			return 0;
	}
	return berth_error_set(err, ENOENT, "No such container: %s", ref);
}

struct entry {
	char *id;
	char *created;
};

static int by_created_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(y->created, x->created);
}

static char *created_of(struct berth_engine *e, const char *id)
{
	struct berth_ctr *c = NULL;
	struct berth_error *err = NULL;
	const char *s = "";
	char *out;

	if (berth_ctr_load(e, id, &c, &err) < 0) {
		berth_error_free(err);
		return strdup("");
	}
	berth_json_string(c->record, "", "Created", &s, &err);
	berth_error_free(err);
	out = strdup(s);
	berth_ctr_free(c);
	return out;
}

int berth_ctr_list(struct berth_engine *e, char ***ids, struct berth_error **err)
{
	int fd = openat(e->ctrfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct entry *v = NULL;
	size_t n = 0;
	struct dirent *de;
	char **out;

	if (d == NULL) {
		berth_closep(&fd);
		return berth_error_errno(err, "open containers/");
	}
	while ((de = readdir(d)) != NULL) {
		struct entry *nv;

		if (!is_full_id(de->d_name))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[n].id = strdup(de->d_name);
		v[n].created = created_of(e, de->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_created_desc);
	out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		if (out)
			out[i] = v[i].id;
		else
			free(v[i].id);
		free(v[i].created);
	}
	free(v);
	if (out == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	*ids = out;
	return 0;
}

char *berth_ctr_dir(struct berth_engine *e, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s/containers/%s", e->root, id) < 0)
		return NULL;
	return p;
}

int berth_ctr_dirfd(struct berth_engine *e, const char *id, struct berth_error **err)
{
	int fd = openat(e->ctrfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? berth_error_set(err, ENOENT, "No such container: %s", id)
				       : berth_error_errno(err, "open container %s", id);
	return fd;
}

json_object *berth_ctr_created_state(void)
{
	json_object *s = json_object_new_object();
	static const char zero[] = "0001-01-01T00:00:00Z";

	json_object_object_add(s, "Status", json_object_new_string(BERTH_CTR_CREATED));
	json_object_object_add(s, "Running", json_object_new_boolean(0));
	json_object_object_add(s, "Paused", json_object_new_boolean(0));
	json_object_object_add(s, "Restarting", json_object_new_boolean(0));
	json_object_object_add(s, "OOMKilled", json_object_new_boolean(0));
	json_object_object_add(s, "Dead", json_object_new_boolean(0));
	json_object_object_add(s, "Pid", json_object_new_int(0));
	json_object_object_add(s, "ExitCode", json_object_new_int(0));
	json_object_object_add(s, "Error", json_object_new_string(""));
	json_object_object_add(s, "StartedAt", json_object_new_string(zero));
	json_object_object_add(s, "FinishedAt", json_object_new_string(zero));
	json_object_object_add(s, "RestartCount", json_object_new_int(0));
	return s;
}

int berth_ctr_load(struct berth_engine *e, const char *id, struct berth_ctr **out,
		   struct berth_error **err)
{
	cleanup_close int fd = berth_ctr_dirfd(e, id, err);
	struct berth_ctr *c;

	if (fd < 0)
		return fd;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	snprintf(c->id, sizeof(c->id), "%s", id);
	if (berth_json_parse_file(fd, "container.json", RECORD_MAX, &c->record, err) < 0 ||
	    berth_json_as_object(c->record, "container.json", err) < 0) {
		berth_ctr_free(c);
		return berth_error_prefix(err, "container %s", id);
	}
	/* none until the first start (create writes none): a created container's */
	if (berth_json_parse_file(fd, "state.json", RECORD_MAX, &c->state, err) < 0) {
		berth_error_clear(err);
		c->state = NULL;
	}
	if (c->state == NULL || !json_object_is_type(c->state, json_type_object)) {
		json_object_put(c->state);
		c->state = berth_ctr_created_state();
	}
	*out = c;
	return 0;
}

void berth_ctr_free(struct berth_ctr *c)
{
	if (c == NULL)
		return;
	json_object_put(c->record);
	json_object_put(c->state);
	free(c);
}

bool berth_ctr_body_durable(json_object *body)
{
	json_object *hc, *v;

	return !(body != NULL && json_object_object_get_ex(body, "HostConfig", &hc) &&
		 json_object_object_get_ex(hc, "AutoRemove", &v) &&
		 json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v));
}

/*
 * Every file is replaced atomically (temp file, rename): a reader never sees
 * a partial one.  Durable (fsynced, with its directory) unless the container
 * is AutoRemove (docs/containers.md, "Crash safety"): a crash ends its run,
 * after which it is to be gone anyway, and a record torn by the crash does
 * not parse, so `ps` never shows it.
 */
static int save(struct berth_engine *e, const struct berth_ctr *c, const char *file,
		json_object *obj, int *old_fd, struct berth_error **err)
{
	cleanup_close int fd = berth_ctr_dirfd(e, c->id, err);
	const char *s;
	int ret;

	if (fd < 0)
		return fd;
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	if (berth_ctr_body_durable(c->record))
		ret = berth_write_file_atomic(fd, file, s, strlen(s), 0600, err);
	else if (old_fd != NULL)
		ret = berth_write_file_replace_keep(fd, file, s, strlen(s), 0600, old_fd, err);
	else
		ret = berth_write_file_replace(fd, file, s, strlen(s), 0600, err);
	if (ret < 0)
		return berth_error_prefix(err, "container %s", c->id);
	return 0;
}

int berth_ctr_save_record(struct berth_engine *e, const struct berth_ctr *c,
			  struct berth_error **err)
{
	return save(e, c, "container.json", c->record, NULL, err);
}

int berth_ctr_save_state(struct berth_engine *e, const struct berth_ctr *c,
			 struct berth_error **err)
{
	return save(e, c, "state.json", c->state, NULL, err);
}

int berth_ctr_save_state_keep(struct berth_engine *e, const struct berth_ctr *c, int *old_fd,
			      struct berth_error **err)
{
	*old_fd = -1;
	return save(e, c, "state.json", c->state, old_fd, err);
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return "";
}

const char *berth_ctr_name(const struct berth_ctr *c)
{
	const char *n = str_of(c->record, "Name");

	return n[0] == '/' ? n + 1 : n;
}

/* A monitor (or a live init) is behind it: running, paused or restarting. */
bool berth_ctr_active(const struct berth_ctr *c)
{
	const char *s = berth_ctr_status(c);

	return strcmp(s, BERTH_CTR_RUNNING) == 0 || strcmp(s, BERTH_CTR_PAUSED) == 0 ||
	       strcmp(s, BERTH_CTR_RESTARTING) == 0;
}

const char *berth_ctr_status(const struct berth_ctr *c)
{
	const char *s = str_of(c->state, "Status");

	return s[0] ? s : BERTH_CTR_CREATED;
}

static json_object *obj_of(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	return NULL;
}

json_object *berth_ctr_hostconfig(const struct berth_ctr *c)
{
	return obj_of(c->record, "HostConfig");
}

json_object *berth_ctr_config(const struct berth_ctr *c)
{
	return obj_of(c->record, "Config");
}

pid_t berth_ctr_pid(const struct berth_ctr *c)
{
	json_object *v;

	if (json_object_object_get_ex(c->state, "Pid", &v) && json_object_is_type(v, json_type_int))
		return (pid_t)json_object_get_int64(v);
	return 0;
}

void berth_ctr_state_set_str(struct berth_ctr *c, const char *key, const char *value)
{
	json_object_object_add(c->state, key, json_object_new_string(value ? value : ""));
}

void berth_ctr_state_set_int(struct berth_ctr *c, const char *key, int64_t value)
{
	json_object_object_add(c->state, key, json_object_new_int64(value));
}

void berth_ctr_state_set_bool(struct berth_ctr *c, const char *key, bool value)
{
	json_object_object_add(c->state, key, json_object_new_boolean(value));
}

struct umount_job {
	struct berth_engine *e;
	const char *id;
	struct berth_error *err;
	int ret;
};

static void *umount_job(void *arg)
{
	struct umount_job *j = arg;

	j->ret = berth_ctr_rootfs_umount(j->e, j->id, &j->err);
	return NULL;
}

/* The root filesystem's mountpoint and its overlay directories stay until it is unmounted. */
static bool is_rootfs_part(const char *name)
{
	return strcmp(name, "rootfs") == 0 || strcmp(name, "diff") == 0 ||
	       strcmp(name, "work") == 0;
}

/* The record first (`ps -a` stops listing the container), then the rest but the rootfs parts. */
void berth_ctr_remove_outside_rootfs(struct berth_engine *e, const char *id)
{
	cleanup_close int dfd = berth_ctr_dirfd(e, id, NULL);
	struct dirent *de;
	DIR *d;

	if (dfd < 0)
		return;
	unlinkat(dfd, "container.json", 0);
	d = fdopendir(dfd);
	if (d == NULL)
		return;
	dfd = -1; /* owned by d */
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && !is_rootfs_part(de->d_name))
			berth_rm_rf_at(dirfd(d), de->d_name);
	closedir(d);
}

/*
 * Unmounting waits for an RCU grace period (namespace_unlock: 1 to 15 ms
 * here) and the unlinks of the record, State, bundle and log take as long on
 * a busy disk: the unmount runs in a thread of its own meanwhile.  The
 * overlay's directories and the mountpoint go once it is off.
 */
int berth_ctr_remove_files(struct berth_engine *e, const char *id, struct berth_error **err)
{
	struct umount_job job = { .e = e, .id = id };
	struct berth_ctr *c = NULL;
	pthread_t t;
	bool threaded;

	if (berth_ctr_load(e, id, &c, err) == 0) {
		berth_ctr_release_name(e, berth_ctr_name(c), id);
		berth_ctr_free(c);
	} else {
		berth_error_clear(err);
	}
	threaded =
	    berth_ctr_rootfs_mounted(e, id) && pthread_create(&t, NULL, umount_job, &job) == 0;
	if (threaded) {
		berth_ctr_remove_outside_rootfs(e, id);
		pthread_join(t, NULL);
	} else {
		umount_job(&job);
	}
	if (job.ret < 0) {
		if (err != NULL && *err == NULL)
			*err = job.err;
		else
			berth_error_free(job.err);
		return job.ret;
	}
	if (berth_rm_rf_at(e->ctrfd, id) < 0 && errno != ENOENT)
		return berth_error_errno(err, "remove container %s", id);
	return 0;
}

int berth_ctr_rename(struct berth_engine *e, const char *id, const char *name,
		     struct berth_error **err)
{
	const char *n = name[0] == '/' ? name + 1 : name;
	struct berth_ctr *c = NULL;
	cleanup_free char *old = NULL;
	cleanup_free char *slash = NULL;
	int ret;

	if (berth_ctr_check_name(name, err) < 0 || berth_ctr_load(e, id, &c, err) < 0)
		return berth_error_ret(err);
	old = strdup(berth_ctr_name(c));
	if (old && strcmp(old, n) == 0) {
		berth_ctr_free(c);
		return berth_error_set(err, EINVAL,
				       "Renaming a container with the same name as its "
				       "current name");
	}
	if (old == NULL || asprintf(&slash, "/%s", n) < 0) {
		slash = NULL;
		berth_ctr_free(c);
		return berth_error_set(err, ENOMEM, "out of memory");
	}
	if (berth_ctr_reserve_name(e, n, id, err) < 0) {
		berth_ctr_free(c);
		return berth_error_ret(err);
	}
	json_object_object_add(c->record, "Name", json_object_new_string(slash));
	ret = berth_ctr_save_record(e, c, err);
	if (ret < 0)
		berth_ctr_release_name(e, n, id);
	else
		berth_ctr_release_name(e, old, id);
	berth_ctr_free(c);
	return ret;
}
