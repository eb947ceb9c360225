/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/conf.h"
#include "engine/ctr.h"
#include "engine/engine.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

BERTH_TEST(engine_conf_defaults_and_overrides)
{
	char dir[] = "/tmp/berth-conf-XXXXXX", path[64];
	struct berth_engine_conf c;
	struct berth_error *err = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/berth.conf", dir);
	berth_conf_defaults(&c);
	CHECK_INT(c.memory, ==, 2LL << 30);
	CHECK(c.userns_remap);
	CHECK_OK(berth_conf_load(path, &c, &err), &err); /* missing: defaults stay */
	write_text(path, "# comment\nmemory = 64m\npids_limit = none\nuserns = host\n"
			 "ulimit = nproc=10:20\nulimit = core=0:0\nlog_driver=syslog # trailing\n");
	CHECK_OK(berth_conf_load(path, &c, &err), &err);
	CHECK_INT(c.memory, ==, 64 << 20);
	CHECK_INT(c.pids_limit, ==, 0);
	CHECK(!c.userns_remap);
	CHECK_STR(c.ulimits[0], "nproc=10:20");
	CHECK_STR(c.ulimits[1], "core=0:0");
	CHECK(c.ulimits[2] == NULL);
	CHECK_STR(c.log_driver, "syslog");
	berth_conf_release(&c);
	berth_conf_defaults(&c);
	write_text(path, "memory = 64m\nbogus = 1\n");
	CHECK(berth_conf_load(path, &c, &err) == -EINVAL);
	CHECK(strstr(err->msg, "berth.conf:2") != NULL && strstr(err->msg, "bogus") != NULL);
	berth_error_clear(&err);
	write_text(path, "memory = lots\n");
	CHECK(berth_conf_load(path, &c, &err) < 0);
	berth_error_clear(&err);
	write_text(path, "no equals sign\n");
	CHECK(berth_conf_load(path, &c, &err) < 0);
	berth_error_clear(&err);
	berth_conf_release(&c);
	berth_rm_rf_at(AT_FDCWD, dir);
}

static struct berth_engine *engine(char *dir)
{
	struct berth_engine *e = NULL;
	struct berth_error *err = NULL;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_OK(berth_engine_open(dir, "/nonexistent/berth.conf", &e, &err), &err);
	return e;
}

static void record(struct berth_engine *e, const char *id, const char *name, const char *created)
{
	struct berth_ctr c = { 0 };
	struct berth_error *err = NULL;
	char slash[64];

	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(slash, sizeof(slash), "/%s", name);
	c.record = json_object_new_object();
	c.state = json_object_new_object();
	json_object_object_add(c.record, "Name", json_object_new_string(slash));
	json_object_object_add(c.record, "Created", json_object_new_string(created));
	CHECK_OK(berth_ctr_save_record(e, &c, &err), &err);
	json_object_put(c.record);
	json_object_put(c.state);
}

BERTH_TEST(engine_names_ids_lookup)
{
	char dir[] = "/tmp/berth-eng-XXXXXX";
	struct berth_engine *e = engine(dir);
	struct berth_error *err = NULL;
	char a[BERTH_CTR_ID_LEN + 1], b[BERTH_CTR_ID_LEN + 1], got[BERTH_CTR_ID_LEN + 1];
	cleanup_free char *na = NULL;
	cleanup_free char *nb = NULL;
	cleanup_strv char **ids = NULL;

	CHECK_OK(berth_ctr_alloc(e, "web", a, &na, &err), &err);
	CHECK_STR(na, "web");
	CHECK_INT(strlen(a), ==, 64);
	CHECK(berth_ctr_alloc(e, "/web", b, &nb, &err) == -EEXIST);
	CHECK(strstr(err->msg, "already in use by container") != NULL);
	CHECK(strstr(err->msg, a) != NULL);
	berth_error_clear(&err);
	CHECK(berth_ctr_alloc(e, "no spaces", b, &nb, &err) == -EINVAL);
	berth_error_clear(&err);
	CHECK_OK(berth_ctr_alloc(e, NULL, b, &nb, &err), &err);
	CHECK(strchr(nb, '_') != NULL);
	record(e, a, "web", "2026-01-01T00:00:00Z");
	record(e, b, nb, "2026-01-02T00:00:00Z");
	CHECK_OK(berth_ctr_list(e, &ids, &err), &err);
	CHECK_STR(ids[0], b); /* newest first */
	CHECK_STR(ids[1], a);
	CHECK(ids[2] == NULL);
	CHECK_OK(berth_ctr_lookup(e, "web", got, &err), &err);
	CHECK_STR(got, a);
	CHECK_OK(berth_ctr_lookup(e, "/web", got, &err), &err);
	CHECK_STR(got, a);
	CHECK_OK(berth_ctr_lookup(e, nb, got, &err), &err);
	CHECK_STR(got, b);
	if (a[0] != b[0]) {
		char prefix[2] = { a[0], 0 };

		CHECK_OK(berth_ctr_lookup(e, prefix, got, &err), &err);
		CHECK_STR(got, a);
	}
	CHECK(berth_ctr_lookup(e, "", got, &err) == -EINVAL || err != NULL);
	berth_error_clear(&err);
	CHECK(berth_ctr_lookup(e, "nosuch", got, &err) == -ENOENT);
	CHECK_STR(err->msg, "No such container: nosuch");
	berth_error_clear(&err);
	CHECK(berth_ctr_lookup(e, "../etc", got, &err) == -ENOENT);
	berth_error_clear(&err);
	/* rename: the old name is free again, the new one taken */
	CHECK_OK(berth_ctr_rename(e, a, "site", &err), &err);
	CHECK(berth_ctr_lookup(e, "web", got, &err) == -ENOENT);
	berth_error_clear(&err);
	CHECK_OK(berth_ctr_lookup(e, "site", got, &err), &err);
	CHECK_STR(got, a);
	CHECK(berth_ctr_rename(e, a, nb, &err) == -EEXIST);
	berth_error_clear(&err);
	CHECK_OK(berth_ctr_remove_files(e, a, &err), &err);
	CHECK(berth_ctr_lookup(e, "site", got, &err) == -ENOENT);
	berth_error_clear(&err);
	berth_engine_free(e);
	berth_rm_rf_at(AT_FDCWD, dir);
}
