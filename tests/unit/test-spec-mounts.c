/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spec-build.h"
#include "engine/spec-mounts-internal.h"
#include "engine/volume.h"
#include "oci/spec-mounts.h"
#include "test-engine-helpers.h"
#include "unit.h"
#include "util/fs.h"

static void bind_ok(const char *spec, struct berth_mreq *m)
{
	struct berth_error *err = NULL;

	CHECK_OK(berth_mreq_parse_bind(spec, "HostConfig.Binds[0]", m, &err), &err);
}

static void bind_err(const char *spec, const char *want)
{
	struct berth_error *err = NULL;
	struct berth_mreq m;

	CHECK(berth_mreq_parse_bind(spec, "HostConfig.Binds[0]", &m, &err) < 0);
	if (strstr(err->msg, want) == NULL)
		FAIL("'%s': error \"%s\" lacks \"%s\"", spec, err->msg, want);
	berth_error_free(err);
}

BERTH_TEST(spec_mounts_parse_binds)
{
	struct berth_mreq m;

	bind_ok("/src//a/./b/:/dst/:ro,rshared,z", &m);
	CHECK_INT(m.type, ==, BERTH_MREQ_BIND);
	CHECK_STR(m.source, "/src/a/b");
	CHECK_STR(m.target, "/dst");
	CHECK(m.ro && m.create_source && m.relabel == 'z');
	CHECK_STR(m.propagation, "rshared");
	CHECK_STR(m.mode, "ro,rshared,z");
	berth_mreq_release(&m);
	bind_ok("data_1.x:/var/lib/data:nocopy", &m);
	CHECK_INT(m.type, ==, BERTH_MREQ_VOLUME);
	CHECK_STR(m.source, "data_1.x");
	CHECK(m.nocopy && !m.ro);
	berth_mreq_release(&m);
	bind_ok("/anon", &m);
	CHECK_INT(m.type, ==, BERTH_MREQ_VOLUME);
	CHECK(m.source == NULL);
	berth_mreq_release(&m);

	bind_err("/dst:ro", "HostConfig.Binds[0]: invalid volume specification: '/dst:ro'");
	bind_err("a:b:c:d", "HostConfig.Binds[0]: invalid volume specification: 'a:b:c:d'");
	bind_err(":/dst", "invalid volume specification");
	bind_err("/src:", "invalid volume specification");
	bind_err("/src:/dst:bogus", "HostConfig.Binds[0]: invalid mode: bogus (unknown option "
				    "'bogus')");
	bind_err("/src:/dst:ro,rw", "invalid mode: ro,rw ('rw' repeats a choice)");
	bind_err("/src:/dst:shared,slave", "repeats a choice");
	bind_err("/src:/dst:z,Z", "repeats a choice");
	bind_err("/src:/dst:nocopy", "invalid mode: nocopy (nocopy is for volumes)");
	bind_err("./rel:/dst", "\"./rel\" includes invalid characters for a local volume name");
	bind_err("x:/dst", "includes invalid characters");
	bind_err("/src:dst", "invalid mount path: 'dst' mount path must be absolute");
	bind_err("/src:/a/../etc", "invalid mount path: '/a/../etc' must not contain '..'");
	bind_err("/src:/", "destination can't be '/'");
	bind_err("/src:/.", "destination can't be '/'");
}

static void mount_err(const char *json, const char *want)
{
	struct berth_error *err = NULL;
	json_object *o = json_tokener_parse(json);
	struct berth_mreq m;

	CHECK(o != NULL);
	CHECK(berth_mreq_parse_mount(o, "HostConfig.Mounts[0]", &m, &err) < 0);
	if (strstr(err->msg, want) == NULL)
		FAIL("'%s': error \"%s\" lacks \"%s\"", json, err->msg, want);
	berth_error_free(err);
	json_object_put(o);
}

static void mount_ok(const char *json, struct berth_mreq *m)
{
	struct berth_error *err = NULL;
	json_object *o = json_tokener_parse(json);

	CHECK_OK(berth_mreq_parse_mount(o, "HostConfig.Mounts[0]", m, &err), &err);
	json_object_put(o);
}

BERTH_TEST(spec_mounts_parse_mounts)
{
	struct berth_mreq m;

	mount_ok("{\"Type\":\"bind\",\"Source\":\"/s\",\"Target\":\"/t\",\"ReadOnly\":true,"
		 "\"BindOptions\":{\"Propagation\":\"rslave\"}}",
		 &m);
	CHECK(m.type == BERTH_MREQ_BIND && m.ro && !m.create_source);
	CHECK_STR(m.propagation, "rslave");
	berth_mreq_release(&m);
	mount_ok("{\"Type\":\"volume\",\"Target\":\"/t\",\"VolumeOptions\":{\"NoCopy\":true}}", &m);
	CHECK(m.type == BERTH_MREQ_VOLUME && m.source == NULL && m.nocopy);
	berth_mreq_release(&m);
	mount_ok("{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":1048576,"
		 "\"Mode\":448}}",
		 &m);
	CHECK_STR(m.tmpfs_opts, "noexec,nosuid,nodev,size=1048576,mode=700");
	berth_mreq_release(&m);

	mount_err("{\"Type\":\"npipe\",\"Target\":\"/t\"}",
		  "HostConfig.Mounts[0].Type: mount type unknown: \"npipe\"");
	mount_err("{\"Target\":\"/t\"}", "HostConfig.Mounts[0].Type: required");
	mount_err("{\"Type\":\"bind\",\"Target\":\"/t\"}",
		  "invalid mount config for type \"bind\": field Source must not be empty");
	mount_err("{\"Type\":\"bind\",\"Source\":\"rel\",\"Target\":\"/t\"}",
		  "invalid mount path: 'rel' mount path must be absolute");
	mount_err("{\"Type\":\"tmpfs\",\"Source\":\"/x\",\"Target\":\"/t\"}",
		  "field Source must not be specified");
	mount_err("{\"Type\":\"volume\",\"Source\":\"/abs\",\"Target\":\"/t\"}",
		  "'/abs' is not a volume name");
	mount_err(
	    "{\"Type\":\"bind\",\"Source\":\"/s\",\"Target\":\"/t\",\"BindOptions\":"
	    "{\"Propagation\":\"sideways\"}}",
	    "HostConfig.Mounts[0].BindOptions.Propagation: invalid propagation mode: sideways");
	mount_err("{\"Type\":\"volume\",\"Target\":\"/t\",\"BindOptions\":{}}",
		  "BindOptions must not be specified for type \"volume\"");
	mount_err("{\"Type\":\"bind\",\"Source\":\"/s\"}", "field Target must not be empty");
	mount_err("{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"Mode\":65535}}",
		  "HostConfig.Mounts[0].TmpfsOptions.Mode");
	mount_err("{\"Type\":\"bind\",\"Source\":\"/s\",\"Target\":\"/t\",\"ReadOnly\":\"yes\"}",
		  "HostConfig.Mounts[0].ReadOnly");
}

BERTH_TEST(spec_mounts_parse_tmpfs)
{
	struct berth_error *err = NULL;
	struct berth_mreq m;

	CHECK_OK(berth_mreq_parse_tmpfs("/run/", "size=64m,mode=1777,exec,uid=5",
					"HostConfig.Tmpfs", &m, &err),
		 &err);
	CHECK_STR(m.target, "/run");
	CHECK_STR(m.tmpfs_opts, "noexec,nosuid,nodev,size=67108864,mode=1777,exec,uid=5");
	CHECK(!m.inspect);
	berth_mreq_release(&m);
	CHECK(berth_mreq_parse_tmpfs("/t", "bogus", "W", &m, &err) == -EINVAL);
	CHECK_STR(err->msg, "W: invalid tmpfs option \"bogus\"");
	berth_error_clear(&err);
	CHECK(berth_mreq_parse_tmpfs("/t", "foo=1", "W", &m, &err) == -EINVAL);
	CHECK_STR(err->msg, "W: invalid tmpfs option \"foo\"");
	berth_error_clear(&err);
	CHECK(berth_mreq_parse_tmpfs("/t", "size=1.5g", "W", &m, &err) < 0);
	CHECK(strstr(err->msg, "1.5g") != NULL);
	berth_error_clear(&err);
	CHECK(berth_mreq_parse_tmpfs("/t", "mode=999", "W", &m, &err) < 0);
	CHECK_STR(err->msg, "W: mode '999' is not an octal file mode");
	berth_error_clear(&err);
	CHECK(berth_mreq_parse_tmpfs("t", "", "W", &m, &err) < 0);
	berth_error_clear(&err);
}

static int apply(struct eng_fixture *f, char *msg, size_t size)
{
	struct berth_error *err = NULL;
	int ret = berth_spec_apply_mounts(&f->ctx, f->spec, &err);

	if (ret < 0) {
		CHECK(err != NULL);
		snprintf(msg, size, "%s", err->msg);
		berth_error_free(err);
	}
	return ret;
}

/* The spec's mounts must be what the runtime's parser accepts. */
static void check_runtime_parses(struct eng_fixture *f)
{
	struct berth_error *err = NULL;
	struct berth_mount *v = NULL;
	size_t n = 0;

	CHECK_OK(berth_spec_parse_mounts(jget(f->spec, "mounts"), "mounts", &v, &n, &err), &err);
	for (size_t i = 0; i < n; i++)
		berth_mount_release(&v[i]);
	free(v);
}

static void expect_apply_error(const char *body, const char *want)
{
	struct eng_fixture f;
	char msg[512] = "";

	eng_init(&f, body, NULL);
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	if (strstr(msg, want) == NULL)
		FAIL("error \"%s\" lacks \"%s\"", msg, want);
	eng_fini(&f);
}

BERTH_TEST(spec_mounts_binds_apply)
{
	struct eng_fixture f;
	char body[1024], src[128], msg[256];
	json_object *m;
	struct stat st;

	eng_init(&f, "{}", NULL);
	snprintf(src, sizeof(src), "%s/host/missing/dir", f.dir);
	snprintf(body, sizeof(body),
		 "{\"HostConfig\":{\"Binds\":[\"%s:/data/sub:ro,Z\",\"%s:/data\"],"
		 "\"Tmpfs\":{\"/scratch\":\"size=1m\"}}}",
		 src, f.dir);
	json_object_put(f.body);
	f.ctx.create = f.body = json_tokener_parse(body);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	/* -v creates a missing host directory, as Docker. */
	CHECK(stat(src, &st) == 0 && S_ISDIR(st.st_mode));
	m = spec_mount_at(f.spec, "/data/sub");
	CHECK(m != NULL);
	CHECK_STR(jstr(m, "type"), "bind");
	CHECK_STR(jstr(m, "source"), src);
	CHECK(jarr_has(m, "options", "rbind") && jarr_has(m, "options", "ro") &&
	      jarr_has(m, "options", "rprivate"));
	CHECK(jarr_has(spec_mount_at(f.spec, "/data"), "options", "rw"));
	CHECK(jarr_has(spec_mount_at(f.spec, "/scratch"), "options", "size=1048576"));
	/* Parents before children, after the defaults. */
	CHECK_STR(jstr(f.spec, "mounts[7].destination"), "/data");
	CHECK_STR(jstr(f.spec, "mounts[8].destination"), "/scratch");
	CHECK_STR(jstr(f.spec, "mounts[9].destination"), "/data/sub");
	/* Inspect: the two binds (not --tmpfs), Docker-shaped. */
	CHECK_INT(json_object_array_length(f.mounts), ==, 2);
	CHECK_STR(jstr(f.mounts, "[0].Type"), "bind");
	CHECK_STR(jstr(f.mounts, "[0].Source"), src);
	CHECK_STR(jstr(f.mounts, "[0].Destination"), "/data/sub");
	CHECK_STR(jstr(f.mounts, "[0].Mode"), "ro,Z");
	CHECK(!json_object_get_boolean(jget(f.mounts, "[0].RW")));
	CHECK_STR(jstr(f.mounts, "[0].Propagation"), "rprivate");
	CHECK(strstr(jstr(f.warnings, "[0]"), "SELinux relabeling (:Z) is not done") != NULL);
	/* Not read-only: the root is writable, /dev/shm keeps 64m, recorded. */
	CHECK(!json_object_get_boolean(jget(f.spec, "root.readonly")));
	CHECK(jarr_has(spec_mount_at(f.spec, "/dev/shm"), "options", "size=67108864"));
	CHECK_INT(jint(f.body, "HostConfig.ShmSize"), ==, 64 << 20);
	check_runtime_parses(&f);
	eng_fini(&f);

	expect_apply_error("{\"HostConfig\":{\"Binds\":[\"/a:/x\",\"/b:/x/\"]}}",
			   "Duplicate mount point: /x");
	expect_apply_error("{\"HostConfig\":{\"Binds\":[\"/a:/x\"],\"Tmpfs\":{\"/x\":\"\"}}}",
			   "Duplicate mount point: /x");
	expect_apply_error("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
			   "\"/nonexistent/berth\",\"Target\":\"/x\"}]}}",
			   "invalid mount config for type \"bind\": bind source path does not "
			   "exist: /nonexistent/berth");
	expect_apply_error("{\"HostConfig\":{\"ShmSize\":-1}}",
			   "HostConfig.ShmSize: SHM size can not be less than 0");
	expect_apply_error("{\"HostConfig\":{\"Binds\":\"/a:/b\"}}", "HostConfig.Binds");
}

BERTH_TEST(spec_mounts_readonly_shm)
{
	struct eng_fixture f;
	char msg[256];

	eng_init(&f,
		 "{\"HostConfig\":{\"ReadonlyRootfs\":true,\"ShmSize\":134217728,"
		 "\"Tmpfs\":{\"/tmp\":\"size=2m\"}}}",
		 NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK(json_object_get_boolean(jget(f.spec, "root.readonly")));
	/* The user's /tmp stays as asked; /var/tmp and /run get berth's writable tmpfs. */
	CHECK(jarr_has(spec_mount_at(f.spec, "/tmp"), "options", "size=2097152"));
	CHECK(jarr_has(spec_mount_at(f.spec, "/var/tmp"), "options", "mode=1777"));
	CHECK_STR(jstr(spec_mount_at(f.spec, "/run"), "type"), "tmpfs");
	CHECK(jarr_has(spec_mount_at(f.spec, "/dev/shm"), "options", "size=134217728"));
	CHECK(!jarr_has(spec_mount_at(f.spec, "/dev/shm"), "options", "size=65536k"));
	CHECK_INT(json_object_array_length(f.mounts), ==, 0);
	check_runtime_parses(&f);
	eng_fini(&f);

	/* A user mount on /dev/shm replaces the default one. */
	eng_init(&f, "{\"HostConfig\":{\"Tmpfs\":{\"/dev/shm\":\"size=1m\"}}}", NULL);
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);
	CHECK(jarr_has(spec_mount_at(f.spec, "/dev/shm"), "options", "size=1048576"));
	CHECK_INT(json_object_array_length(jget(f.spec, "mounts")), ==, 7);
	eng_fini(&f);
}

static void write_at(int dirfd, const char *path, const char *s)
{
	CHECK(berth_write_file_atomic(dirfd, path, s, strlen(s), 0640, NULL) == 0);
}

BERTH_TEST(spec_mounts_volumes_copy_up)
{
	struct berth_error *err = NULL;
	struct eng_fixture f;
	char msg[256], p[512], *buf = NULL;
	size_t len = 0;
	struct stat st;
	const char *anon;

	eng_init(&f,
		 "{\"Volumes\":{\"/cfg\":{}},\"HostConfig\":{\"Binds\":[\"named:/data\","
		 "\"/anon\"],\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"nc\",\"Target\":\"/nc\","
		 "\"VolumeOptions\":{\"NoCopy\":true}}]}}",
		 "{\"Volumes\":{\"/data\":{},\"/img\":{}}}");
	CHECK(mkdirat(f.ctx.rootfs_fd, "data", 0750) == 0);
	CHECK(fchownat(f.ctx.rootfs_fd, "data", 12, 34, 0) == 0);
	CHECK(mkdirat(f.ctx.rootfs_fd, "data/sub", 0755) == 0);
	write_at(f.ctx.rootfs_fd, "data/sub/file", "from the image");
	CHECK(symlinkat("/etc/passwd", f.ctx.rootfs_fd, "data/link") == 0);
	CHECK(mkdirat(f.ctx.rootfs_fd, "nc", 0755) == 0);
	write_at(f.ctx.rootfs_fd, "nc/file", "x");
	CHECK_INT(apply(&f, msg, sizeof(msg)), ==, 0);

	/* The named volume was created and got the image's content, owner and mode. */
	snprintf(p, sizeof(p), "%s/volumes/named/_data", f.dir);
	CHECK_STR(jstr(spec_mount_at(f.spec, "/data"), "source"), p);
	CHECK(stat(p, &st) == 0 && st.st_uid == 12 && st.st_gid == 34 &&
	      (st.st_mode & 07777) == 0750);
	snprintf(p, sizeof(p), "%s/volumes/named/_data/sub/file", f.dir);
	CHECK_OK(berth_read_file_at(AT_FDCWD, p, 100, &buf, &len, &err), &err);
	CHECK_STR(buf, "from the image");
	free(buf);
	snprintf(p, sizeof(p), "%s/volumes/named/_data/link", f.dir);
	CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
	/* nocopy: empty. */
	snprintf(p, sizeof(p), "%s/volumes/nc/_data/file", f.dir);
	CHECK(access(p, F_OK) < 0 && errno == ENOENT);
	/* Inspect: named, anonymous /anon, nc, /cfg (body) and /img (image) in that order. */
	CHECK_INT(json_object_array_length(f.mounts), ==, 5);
	CHECK_STR(jstr(f.mounts, "[0].Type"), "volume");
	CHECK_STR(jstr(f.mounts, "[0].Name"), "named");
	CHECK_STR(jstr(f.mounts, "[0].Driver"), "local");
	CHECK(json_object_get_boolean(jget(f.mounts, "[0].RW")));
	CHECK_STR(jstr(f.mounts, "[0].Propagation"), "");
	CHECK_STR(jstr(f.mounts, "[1].Destination"), "/anon");
	anon = jstr(f.mounts, "[1].Name");
	CHECK(strlen(anon) == 64 && strspn(anon, "0123456789abcdef") == 64);
	CHECK_STR(jstr(f.mounts, "[3].Destination"), "/cfg");
	CHECK_STR(jstr(f.mounts, "[4].Destination"), "/img");
	check_runtime_parses(&f);
	eng_fini(&f);
}

/* A failing create leaves no volume it made behind. */
BERTH_TEST(spec_mounts_failure_removes_new_volumes)
{
	struct eng_fixture f;
	char msg[256], p[256];

	eng_init(&f,
		 "{\"HostConfig\":{\"Binds\":[\"/anon\",\"fresh:/f\"],\"Mounts\":[{\"Type\":"
		 "\"bind\",\"Source\":\"/nonexistent/berth\",\"Target\":\"/x\"}]}}",
		 NULL);
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	CHECK(strstr(msg, "bind source path does not exist") != NULL);
	snprintf(p, sizeof(p), "%s/volumes/fresh", f.dir);
	CHECK(access(p, F_OK) < 0);
	snprintf(p, sizeof(p), "rmdir %s/volumes 2>/dev/null", f.dir);
	CHECK(system(p) == 0); /* empty: the anonymous volume is gone too */
	eng_fini(&f);
}

/* SECURITY: a volume whose _data became a symlink to /etc is refused, and /etc untouched. */
BERTH_TEST(spec_mounts_volume_symlink_refused)
{
	struct berth_error *err = NULL;
	struct berth_volume_create_opts o = { .name = "evil" };
	struct eng_fixture f;
	char name[BERTH_VOLUME_NAME_MAX + 1], msg[512], p[256];
	bool created;
	struct stat before, after;

	eng_init(&f, "{\"HostConfig\":{\"Binds\":[\"evil:/etc\"]}}", NULL);
	CHECK(mkdirat(f.ctx.rootfs_fd, "etc", 0755) == 0);
	write_at(f.ctx.rootfs_fd, "etc/planted", "from the image");
	CHECK_OK(berth_volume_create(&f.e, &o, name, &created, &err), &err);
	snprintf(p, sizeof(p), "%s/volumes/evil/_data", f.dir);
	CHECK(rmdir(p) == 0 && symlink("/etc", p) == 0);
	CHECK(stat("/etc", &before) == 0);
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	if (strstr(msg, "volume evil") == NULL || strstr(msg, "is not a directory") == NULL)
		FAIL("unexpected error: %s", msg);
	CHECK(access("/etc/planted", F_OK) < 0);
	CHECK(stat("/etc", &after) == 0 && after.st_mtime == before.st_mtime);
	CHECK(spec_mount_at(f.spec, "/etc") == NULL);

	/* The volume directory itself replaced by a link. */
	snprintf(p, sizeof(p), "%s/volumes/evil", f.dir);
	CHECK(berth_rm_rf_at(AT_FDCWD, p) == 0);
	CHECK(mkdirat(f.e.rootfd, "elsewhere", 0755) == 0 &&
	      mkdirat(f.e.rootfd, "elsewhere/_data", 0755) == 0);
	CHECK(symlink("../elsewhere", p) == 0);
	CHECK(apply(&f, msg, sizeof(msg)) < 0);
	if (strstr(msg, "volume evil") == NULL || strstr(msg, "is not a directory") == NULL)
		FAIL("unexpected error: %s", msg);
	eng_fini(&f);
}
