/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "test-engine-helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/spec-default.h"
#include "unit.h"
#include "util/fs.h"

static char cleanup_dir[64];

static void remove_dir(void)
{
	if (cleanup_dir[0] != '\0')
		berth_rm_rf_at(AT_FDCWD, cleanup_dir);
}

void eng_init(struct eng_fixture *f, const char *body_json, const char *image_json)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-eng-XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL);
	snprintf(cleanup_dir, sizeof(cleanup_dir), "%s", f->dir);
	atexit(remove_dir);
	snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
	CHECK(mkdir(f->rootfs, 0755) == 0);
	f->e.root = f->dir;
	f->e.rootfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(mkdirat(f->e.rootfd, "containers", 0700) == 0);
	f->e.ctrfd = openat(f->e.rootfd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->e.namesfd = -1;
	CHECK(f->e.rootfd >= 0 && f->e.ctrfd >= 0);
	f->body = json_tokener_parse(body_json ? body_json : "{}");
	CHECK(f->body != NULL);
	f->image_config = image_json ? json_tokener_parse(image_json) : NULL;
	f->spec = berth_spec_default(false, 0, 0);
	f->mounts = json_object_new_array();
	f->warnings = json_object_new_array();
	f->ctx = (struct berth_spec_ctx){
		.engine = &f->e,
		.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.name = "test",
		.create = f->body,
		.image_config = f->image_config,
		.rootfs = f->rootfs,
		.rootfs_fd = open(f->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
		.mounts_out = f->mounts,
		.warnings_out = f->warnings,
	};
}

void eng_fini(struct eng_fixture *f)
{
	json_object_put(f->body);
	json_object_put(f->image_config);
	json_object_put(f->spec);
	json_object_put(f->mounts);
	json_object_put(f->warnings);
	close(f->ctx.rootfs_fd);
	close(f->e.ctrfd);
	close(f->e.rootfd);
	remove_dir();
	cleanup_dir[0] = '\0';
}

json_object *jget(json_object *o, const char *path)
{
	char key[256];

	while (o != NULL && *path != '\0') {
		size_t n = strcspn(path, ".[");

		if (n > 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, path);
			if (!json_object_is_type(o, json_type_object) ||
			    !json_object_object_get_ex(o, key, &o))
				return NULL;
			path += n;
		} else if (*path == '[') {
			char *end = NULL;
			long i = strtol(path + 1, &end, 10);

			if (!json_object_is_type(o, json_type_array) ||
			    (size_t)i >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
			path = end + 1;
		}
		if (*path == '.')
			path++;
	}
	return o;
}

const char *jstr(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

long long jint(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	if (v == NULL)
		FAIL("%s: absent", path);
	return json_object_get_int64(v);
}

json_object *spec_mount_at(json_object *spec, const char *dst)
{
	json_object *m = jget(spec, "mounts"), *found = NULL;

	for (size_t i = 0; m && i < json_object_array_length(m); i++) {
		json_object *e = json_object_array_get_idx(m, i);

		if (strcmp(jstr(e, "destination"), dst) == 0)
			found = e;
	}
	return found;
}

int jarr_has(json_object *o, const char *path, const char *s)
{
	json_object *a = jget(o, path);

	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return 1;
	return 0;
}
