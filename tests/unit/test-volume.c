/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/volume.h"
#include "test-engine-helpers.h"
#include "unit.h"
#include "util/fs.h"
#include "util/json.h"

static void create(struct eng_fixture *f, const char *name, char *out, bool *created)
{
	struct berth_error *err = NULL;
	struct berth_volume_create_opts o = { .name = name, .anonymous = name == NULL };

	CHECK_OK(berth_volume_create(&f->e, &o, out, created, &err), &err);
}

BERTH_TEST(volume_names)
{
	static const char *const good[] = { "ab", "a1", "my_vol.2-x", "0abc", NULL };
	static const char *const bad[] = { "a",	  "",	 "_ab",	 ".ab", "-ab",
					   "a/b", "a:b", "../x", "a b", NULL };
	struct berth_error *err = NULL;
	char longname[300];

	for (const char *const *p = good; *p; p++)
		CHECK_OK(berth_volume_check_name(*p, &err), &err);
	for (const char *const *p = bad; *p; p++) {
		CHECK(berth_volume_check_name(*p, &err) == -EINVAL);
		CHECK(strstr(err->msg, "includes invalid characters for a local volume name") !=
		      NULL);
		berth_error_clear(&err);
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	CHECK(berth_volume_check_name(longname, &err) == -EINVAL);
	berth_error_clear(&err);
}

BERTH_TEST(volume_lifecycle)
{
	struct berth_error *err = NULL;
	struct eng_fixture f;
	char name[BERTH_VOLUME_NAME_MAX + 1], anon[BERTH_VOLUME_NAME_MAX + 1], p[256];
	json_object *rec = NULL, *labels = json_tokener_parse("{\"team\":\"a\"}");
	struct berth_volume_create_opts o = { .name = "data", .labels = labels };
	char **names = NULL, *path = NULL;
	bool created = false;
	struct stat st;

	eng_init(&f, "{}", NULL);
	CHECK_OK(berth_volume_create(&f.e, &o, name, &created, &err), &err);
	CHECK(created);
	CHECK_STR(name, "data");
	/* Creating it again finds it, as Docker. */
	create(&f, "data", name, &created);
	CHECK(!created);
	create(&f, NULL, anon, &created);
	CHECK(created && strlen(anon) == 64 && strspn(anon, "0123456789abcdef") == 64);

	CHECK_OK(berth_volume_inspect(&f.e, "data", &rec, &err), &err);
	snprintf(p, sizeof(p), "%s/volumes/data/_data", f.dir);
	CHECK_STR(jstr(rec, "Name"), "data");
	CHECK_STR(jstr(rec, "Driver"), "local");
	CHECK_STR(jstr(rec, "Scope"), "local");
	CHECK_STR(jstr(rec, "Mountpoint"), p);
	CHECK_STR(jstr(rec, "Labels.team"), "a");
	CHECK(strlen(jstr(rec, "CreatedAt")) == 20);
	json_object_put(rec);
	CHECK_OK(berth_volume_inspect(&f.e, anon, &rec, &err), &err);
	CHECK(json_object_object_get_ex(jget(rec, "Labels"), "com.docker.volume.anonymous", NULL));
	json_object_put(rec);

	CHECK_OK(berth_volume_path(&f.e, "data", &path, NULL, &err), &err);
	CHECK_STR(path, p);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
	free(path);

	CHECK_OK(berth_volume_list(&f.e, &names, &err), &err);
	CHECK(names[0] != NULL && names[1] != NULL && names[2] == NULL);
	/* sorted by name: a random hex name may come before or after "data" */
	CHECK_STR(names[0], strcmp(anon, "data") < 0 ? anon : "data");
	CHECK_STR(names[1], strcmp(anon, "data") < 0 ? "data" : anon);
	berth_strv_free(names);

	CHECK_OK(berth_volume_remove(&f.e, "data", &err), &err);
	CHECK(berth_volume_remove(&f.e, "data", &err) == -ENOENT);
	CHECK_STR(err->msg, "no such volume: data");
	berth_error_clear(&err);
	CHECK(berth_volume_inspect(&f.e, "data", &rec, &err) == -ENOENT);
	CHECK_STR(err->msg, "no such volume: data");
	berth_error_clear(&err);
	CHECK(berth_volume_create(&f.e, &(struct berth_volume_create_opts){ .name = "/etc" }, name,
				  &created, &err) == -EINVAL);
	berth_error_clear(&err);
	json_object_put(labels);
	eng_fini(&f);
}

/* Nothing under volumes/<name> may be a symlink, and nothing is followed when it is. */
BERTH_TEST(volume_symlink_attack)
{
	struct berth_error *err = NULL;
	struct eng_fixture f;
	char name[BERTH_VOLUME_NAME_MAX + 1], p[256], *path = NULL;
	json_object *rec = NULL;
	bool created;
	struct stat before, after;

	eng_init(&f, "{}", NULL);
	create(&f, "v1", name, &created);
	snprintf(p, sizeof(p), "%s/volumes/v1/_data", f.dir);
	CHECK(rmdir(p) == 0 && symlink("/etc", p) == 0);
	CHECK(stat("/etc", &before) == 0);
	CHECK(berth_volume_path(&f.e, "v1", &path, NULL, &err) == -ELOOP);
	CHECK(strstr(err->msg, "volume v1: ") == err->msg);
	CHECK(strstr(err->msg, "is not a directory (a symlink or another file)") != NULL);
	berth_error_clear(&err);
	CHECK(berth_volume_inspect(&f.e, "v1", &rec, &err) == -ELOOP);
	berth_error_clear(&err);
	/* create finds it, checks it, refuses it. */
	CHECK(berth_volume_create(&f.e, &(struct berth_volume_create_opts){ .name = "v1" }, name,
				  &created, &err) == -ELOOP);
	berth_error_clear(&err);
	/* rm takes the link away and leaves /etc alone. */
	CHECK_OK(berth_volume_remove(&f.e, "v1", &err), &err);
	CHECK(stat("/etc", &after) == 0 && after.st_ino == before.st_ino &&
	      after.st_mtime == before.st_mtime && access("/etc/passwd", F_OK) == 0);

	/* volume.json as a symlink is not read either. */
	create(&f, "v2", name, &created);
	snprintf(p, sizeof(p), "%s/volumes/v2/volume.json", f.dir);
	CHECK(unlink(p) == 0 && symlink("/etc/passwd", p) == 0);
	CHECK(berth_volume_inspect(&f.e, "v2", &rec, &err) < 0);
	berth_error_clear(&err);
	eng_fini(&f);
}

static void write_record(struct eng_fixture *f, const char *id, const char *mounts)
{
	char p[256], buf[1024];

	snprintf(p, sizeof(p), "%s", id);
	CHECK(mkdirat(f->e.ctrfd, p, 0700) == 0);
	snprintf(p, sizeof(p), "%s/container.json", id);
	snprintf(buf, sizeof(buf), "{\"Id\":\"%s\",\"Mounts\":%s}", id, mounts);
	CHECK(berth_write_file_atomic(f->e.ctrfd, p, buf, strlen(buf), 0600, NULL) == 0);
}

BERTH_TEST(volume_users_and_prune)
{
	static const char id1[] =
	    "1111111111111111111111111111111111111111111111111111111111111111";
	static const char id2[] =
	    "2222222222222222222222222222222222222222222222222222222222222222";
	struct berth_error *err = NULL;
	struct eng_fixture f;
	char used_anon[BERTH_VOLUME_NAME_MAX + 1], free_anon[BERTH_VOLUME_NAME_MAX + 1];
	char name[BERTH_VOLUME_NAME_MAX + 1], mounts[512], p[512];
	char **ids = NULL, **removed = NULL, **names = NULL;
	long long bytes = 0;
	bool created;

	eng_init(&f, "{}", NULL);
	create(&f, "used", name, &created);
	create(&f, "idle", name, &created);
	create(&f, NULL, used_anon, &created);
	create(&f, NULL, free_anon, &created);
	snprintf(p, sizeof(p), "%s/volumes/%s/_data/f", f.dir, free_anon);
	CHECK(berth_write_file_atomic(AT_FDCWD, p, "12345", 5, 0644, NULL) == 0);
	write_record(
	    &f, id1,
	    "[{\"Type\":\"bind\",\"Name\":\"idle\"},{\"Type\":\"volume\",\"Name\":\"used\"}]");
	snprintf(mounts, sizeof(mounts), "[{\"Type\":\"volume\",\"Name\":\"%s\"}]", used_anon);
	write_record(&f, id2, mounts);
	CHECK(mkdirat(f.e.ctrfd, "3333333333333333333333333333333333333333333333333333333333333333",
		      0700) == 0); /* a container being created: no record yet */

	CHECK_OK(berth_volume_users(&f.e, "used", &ids, &err), &err);
	CHECK(ids[0] != NULL && ids[1] == NULL);
	CHECK_STR(ids[0], id1);
	berth_strv_free(ids);
	CHECK_OK(berth_volume_users(&f.e, "idle", &ids, &err), &err);
	CHECK(ids[0] == NULL); /* a bind of that name is not a use */
	berth_strv_free(ids);

	/* Docker's default prune: unused anonymous volumes only. */
	CHECK_OK(berth_volume_prune(&f.e, false, &removed, &bytes, &err), &err);
	CHECK(removed[0] != NULL && removed[1] == NULL);
	CHECK_STR(removed[0], free_anon);
	CHECK_INT(bytes, ==, 5);
	berth_strv_free(removed);
	/* --all: the unused named one too. */
	CHECK_OK(berth_volume_prune(&f.e, true, &removed, &bytes, &err), &err);
	CHECK(removed[0] != NULL && removed[1] == NULL);
	CHECK_STR(removed[0], "idle");
	berth_strv_free(removed);
	CHECK_OK(berth_volume_list(&f.e, &names, &err), &err);
	CHECK(names[0] != NULL && names[1] != NULL && names[2] == NULL);
	berth_strv_free(names);
	eng_fini(&f);
}

/* Every listed volume is whole: volume.json parses and _data is a directory. */
static size_t check_whole(struct eng_fixture *f)
{
	struct berth_error *err = NULL;
	char **names = NULL;
	size_t n = 0;

	CHECK_OK(berth_volume_list(&f->e, &names, &err), &err);
	for (char **p = names; *p; p++, n++) {
		json_object *rec = NULL;
		char *path = NULL;

		if (berth_volume_inspect(&f->e, *p, &rec, &err) < 0)
			FAIL("partial volume %s visible: %s", *p, err->msg);
		CHECK_OK(berth_volume_path(&f->e, *p, &path, NULL, &err), &err);
		json_object_put(rec);
		free(path);
	}
	berth_strv_free(names);
	return n;
}

/* Kill a creating/removing process at random moments: no partial volume is ever listed. */
BERTH_TEST(volume_crash_safety)
{
	struct eng_fixture f;
	struct timespec ts = { 0 };
	size_t seen = 0;

	eng_init(&f, "{}", NULL);
	srand((unsigned)getpid());
	for (int round = 0; round < 40; round++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0) {
			for (int i = 0;; i++) {
				struct berth_error *err = NULL;
				char name[BERTH_VOLUME_NAME_MAX + 1], n[32];
				bool created;

				snprintf(n, sizeof(n), "v%d-%d", round, i % 5);
				berth_volume_create(&f.e,
						    &(struct berth_volume_create_opts){ .name = n },
						    name, &created, &err);
				berth_error_clear(&err);
				if (i % 3 == 0)
					berth_volume_remove(&f.e, n, &err);
				berth_error_clear(&err);
			}
		}
		ts.tv_nsec = (1000 + rand() % 20000) * 1000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, NULL, 0) == pid);
		seen += check_whole(&f);
	}
	CHECK(seen > 0);
	eng_fini(&f);
}
