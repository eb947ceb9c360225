/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/runconfig.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

/* An image root with its own users: root, www (33), gary is absent. */
static int image_root(char *tmpl)
{
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
				     "www:x:33:33:www:/var/www:/bin/false\n"
				     "bad line without colons\n"
				     "app:x:1000:1000::/home/app:/bin/sh\n";
	static const char group[] = "root:x:0:\nwww:x:33:\nstaff:x:50:app,www\naudio:x:29:app\n";
	int fd;

	CHECK(mkdtemp(tmpl) != NULL);
	fd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(mkdirat(fd, "etc", 0755) == 0);
	CHECK(berth_write_file_atomic(fd, "etc/passwd", passwd, strlen(passwd), 0644, NULL) == 0);
	CHECK(berth_write_file_atomic(fd, "etc/group", group, strlen(group), 0644, NULL) == 0);
	return fd;
}

static json_object *cfg(const char *json)
{
	json_object *o = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(berth_json_parse(json, strlen(json), &o, &err), &err);
	return o;
}

static char *joined(char **v)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; v && v[i]; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "", v[i]);
	return buf;
}

static struct berth_runconfig *build(int root, const char *json, const struct berth_run_opts *o)
{
	json_object *c = cfg(json);
	struct berth_runconfig *rc = NULL;
	struct berth_error *err = NULL;

	CHECK_OK(berth_runconfig_build(c, o, root, &rc, &err), &err);
	json_object_put(c);
	return rc;
}

BERTH_TEST(runconfig_entrypoint_and_cmd_rules)
{
	char tmpl[] = "/tmp/berth-rc-XXXXXX";
	cleanup_close int root = image_root(tmpl);
	static const char *img = "{\"Entrypoint\":[\"ls\",\"-l\"],\"Cmd\":[\"fichier1.txt\"]}";
	char *args[] = { "fichier2.txt", NULL }, *date[] = { "date", NULL };
	char *echo[] = { "echo", "toto", NULL }, *none[] = { NULL };
	struct berth_run_opts o = { 0 };
	struct berth_runconfig *rc;

	rc = build(root, img, &o); /* no argument: ENTRYPOINT + CMD */
	CHECK_STR(joined(rc->args), "ls|-l|fichier1.txt");
	berth_runconfig_free(rc);
	o.args = args; /* arguments replace CMD */
	rc = build(root, img, &o);
	CHECK_STR(joined(rc->args), "ls|-l|fichier2.txt");
	berth_runconfig_free(rc);
	o = (struct berth_run_opts){ .has_entrypoint = true, .entrypoint = date };
	rc = build(root, img, &o); /* --entrypoint: CMD is empty */
	CHECK_STR(joined(rc->args), "date");
	berth_runconfig_free(rc);
	o = (struct berth_run_opts){ .args = echo };
	rc = build(root, "{\"Cmd\":[\"ls\"]}", &o); /* CMD only: arguments replace it */
	CHECK_STR(joined(rc->args), "echo|toto");
	berth_runconfig_free(rc);
	o = (struct berth_run_opts){ .has_entrypoint = true, .entrypoint = none };
	{
		json_object *c = cfg(img);
		struct berth_error *err = NULL;

		CHECK_INT(berth_runconfig_build(c, &o, root, &rc, &err), ==, -EINVAL);
		CHECK(strstr(err->msg, "no command specified") != NULL);
		berth_error_free(err);
		json_object_put(c);
	}
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

BERTH_TEST(runconfig_env_and_workdir)
{
	char tmpl[] = "/tmp/berth-rc-XXXXXX";
	cleanup_close int root = image_root(tmpl);
	char *env[] = { "A=override", "NEW=1", NULL };
	struct berth_run_opts o = { .env = env, .hostname = "h1" };
	struct berth_runconfig *rc;

	rc =
	    build(root, "{\"Cmd\":[\"sh\"],\"Env\":[\"A=1\",\"B=2\"],\"WorkingDir\":\"/srv\"}", &o);
	CHECK_STR(joined(rc->env), "A=override|B=2|PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
				   "/usr/bin:/sbin:/bin|HOSTNAME=h1|NEW=1");
	CHECK_STR(rc->cwd, "/srv");
	berth_runconfig_free(rc);
	o = (struct berth_run_opts){ .workdir = "/w" };
	rc = build(root, "{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\"]}", &o);
	CHECK_STR(joined(rc->env), "PATH=/bin");
	CHECK_STR(rc->cwd, "/w");
	berth_runconfig_free(rc);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

BERTH_TEST(runconfig_user_forms)
{
	char tmpl[] = "/tmp/berth-rc-XXXXXX";
	cleanup_close int root = image_root(tmpl);
	struct berth_error *err = NULL;
	gid_t *gids = NULL;
	size_t n = 0;
	uid_t uid;
	gid_t gid;

	CHECK_OK(berth_user_resolve(root, "app", &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 1000 && gid == 1000 && n == 2 && gids[0] == 50 && gids[1] == 29);
	free(gids);
	CHECK_OK(berth_user_resolve(root, "www:staff", &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 33 && gid == 50 && n == 1);
	free(gids);
	CHECK_OK(berth_user_resolve(root, "1234:77", &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 1234 && gid == 77 && n == 0);
	free(gids);
	CHECK_OK(berth_user_resolve(root, "33", &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 33 && gid == 33); /* a known uid takes its passwd gid */
	free(gids);
	CHECK_OK(berth_user_resolve(root, NULL, &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 0 && gid == 0);
	free(gids);
	CHECK_INT(berth_user_resolve(root, "gary", &uid, &gid, &gids, &n, &err), ==, -ENOENT);
	CHECK_STR(err->msg, "unable to find user gary: no matching entries in passwd file");
	berth_error_clear(&err);
	CHECK_INT(berth_user_resolve(root, "www:nogroup", &uid, &gid, &gids, &n, &err), ==,
		  -ENOENT);
	CHECK_STR(err->msg, "unable to find group nogroup");
	berth_error_clear(&err);
	CHECK_INT(berth_user_resolve(root, "www:", &uid, &gid, &gids, &n, &err), ==, -EINVAL);
	berth_error_free(err);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

/* A passwd of many pages (read in a growing buffer): its last line is found. */
BERTH_TEST(runconfig_big_passwd)
{
	char tmpl[] = "/tmp/berth-rc-XXXXXX";
	cleanup_close int root = image_root(tmpl);
	struct berth_error *err = NULL;
	char *big = malloc(1 << 20), line[64];
	size_t len = 0;
	gid_t *gids = NULL, gid;
	size_t n = 0;
	uid_t uid;

	CHECK(big != NULL);
	for (int i = 0; len < 300000; i++) {
		int k = snprintf(line, sizeof(line), "u%d:x:%d:%d::/:/bin/sh\n", i, 2000 + i, 2000);

		memcpy(big + len, line, (size_t)k);
		len += (size_t)k;
	}
	len += (size_t)snprintf(big + len, 64, "last:x:4242:4243::/:/bin/sh\n");
	CHECK(berth_write_file_atomic(root, "etc/passwd", big, len, 0644, NULL) == 0);
	CHECK_OK(berth_user_resolve(root, "last", &uid, &gid, &gids, &n, &err), &err);
	CHECK(uid == 4242 && gid == 4243);
	free(gids);
	free(big);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}

BERTH_TEST(runconfig_passwd_is_the_images_own)
{
	char tmpl[] = "/tmp/berth-rc-XXXXXX";
	cleanup_close int root = -1;
	struct berth_error *err = NULL;
	gid_t *gids = NULL;
	size_t n = 0;
	uid_t uid;
	gid_t gid;

	/* A hostile image whose /etc/passwd links out to a host file: resolved inside, not found.
	 */
	static const char host[] = "/tmp/berth-rc-host-passwd";
	static const char line[] = "evil:x:0:0::/:/bin/sh\n";
	int hfd;

	CHECK(mkdtemp(tmpl) != NULL);
	hfd = open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(hfd >= 0 && write(hfd, line, strlen(line)) == (ssize_t)strlen(line));
	close(hfd);
	root = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(mkdirat(root, "etc", 0755) == 0);
	CHECK(symlinkat("../../../../../tmp/berth-rc-host-passwd", root, "etc/passwd") == 0);
	CHECK_INT(berth_user_resolve(root, "evil", &uid, &gid, &gids, &n, &err), ==, -ENOENT);
	CHECK(strstr(err->msg, "unable to find user evil") != NULL);
	berth_error_free(err);
	unlink(host);
	CHECK(berth_rm_rf_at(AT_FDCWD, tmpl) == 0);
}
