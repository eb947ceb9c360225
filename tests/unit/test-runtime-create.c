/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/container-cgroup.h"
#include "runtime/container.h"
#include "unit.h"
#include "util/fs.h"

/*
 * A real create (init cloned directly into new mount, pid, ipc and uts
 * namespaces, waiting on its exec fifo): how the state keeps config.json.
 */

struct bundle {
	char dir[64];
	char state[128];
	char config[128];
	char id[32];
};

/*
 * A cgroup of the test's own, one level deep, which delete removes: without cgroupsPath the
 * runtime would nest the container under the shared "/berth" parent and leave that behind.
 */
static void make_bundle(struct bundle *b, mode_t mode)
{
	static const char fmt[] =
	    "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},"
	    "\"process\":{\"args\":[\"/true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},"
	    "\"linux\":{\"cgroupsPath\":\"/berth-unit-create-%d\","
	    "\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
	    "{\"type\":\"ipc\"},{\"type\":\"uts\"}]}}";
	char path[128], config[512];
	int fd;

	if (geteuid() != 0)
		SKIP("needs root");
	snprintf(b->dir, sizeof(b->dir), "/tmp/berth-create-XXXXXX");
	CHECK(mkdtemp(b->dir) != NULL);
	snprintf(b->state, sizeof(b->state), "%s/state", b->dir);
	snprintf(b->config, sizeof(b->config), "%s/config.json", b->dir);
	snprintf(b->id, sizeof(b->id), "create-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/rootfs", b->dir);
	CHECK(mkdir(path, 0755) == 0);
	/* Any executable will do: the init never gets to exec it. */
	snprintf(path, sizeof(path), "%s/rootfs/true", b->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	CHECK(fd >= 0 && write(fd, "#!/x\n", 5) == 5);
	close(fd);
	snprintf(config, sizeof(config), fmt, (int)getpid());
	fd = open(b->config, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && berth_write_all(fd, config, strlen(config)) == 0);
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

/* The cgroup /berth-unit-create-<pid><suffix> is there (v1's pids hierarchy, or v2's). */
static bool cgroup_exists_as(const char *suffix)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/berth-unit-create-%d%s", (int)getpid(),
		 suffix);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/berth-unit-create-%d%s", (int)getpid(),
		 suffix);
	return access(path, F_OK) == 0;
}

/* The container's cgroup is there. */
static bool cgroup_exists(void)
{
	return cgroup_exists_as("");
}

/* Create, stat the state's config.json, delete; returns whether it is the bundle's file. */
static bool created_config_is_link(struct bundle *b, bool link_config)
{
	struct berth_create_opts o = {
		.root = b->state, .id = b->id, .bundle = b->dir, .link_config = link_config
	};
	struct berth_error *err = NULL, *warn = NULL;
	struct stat kept, orig;
	char path[256], *text = NULL;
	pid_t pid;

	CHECK_OK(berth_container_create(&o, &pid, &err), &err);
	CHECK(cgroup_exists());
	snprintf(path, sizeof(path), "%s/%s/config.json", b->state, b->id);
	CHECK(stat(path, &kept) == 0 && stat(b->config, &orig) == 0);
	CHECK_OK(berth_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, &err), &err);
	CHECK(strstr(text, "\"/true\"") != NULL);
	free(text);
	CHECK_OK(berth_container_delete(b->state, b->id, true, &warn, &err), &err);
	berth_error_free(warn);
	CHECK(!cgroup_exists()); /* delete took it away */
	waitpid(pid, NULL, WNOHANG);
	return kept.st_ino == orig.st_ino && kept.st_dev == orig.st_dev;
}

static void remove_bundle(struct bundle *b)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	CHECK(system(cmd) == 0);
}

BERTH_TEST(runtime_create_links_config_when_asked_and_ours)
{
	struct bundle b;

	make_bundle(&b, 0644);
	CHECK(created_config_is_link(&b, true));
	/* berth-runc: a bundle may be rewritten in place after create, so a copy. */
	CHECK(!created_config_is_link(&b, false));
	remove_bundle(&b);
}

BERTH_TEST(runtime_create_copies_config_writable_by_others)
{
	struct bundle b;

	make_bundle(&b, 0664);
	CHECK(!created_config_is_link(&b, true));
	remove_bundle(&b);
}

/*
 * The config as its writer has it (berth's monitor, forked by the `berth run` that wrote the
 * file): create neither reads nor needs the bundle's config.json, and keeps the text given.
 */
BERTH_TEST(runtime_create_takes_the_config_given)
{
	struct berth_error *err = NULL, *warn = NULL;
	struct bundle b;
	json_object *doc;
	char *text = NULL, *given = NULL, path[256];
	pid_t pid;

	make_bundle(&b, 0600);
	CHECK_OK(berth_read_file_at(AT_FDCWD, b.config, 1 << 20, &given, NULL, &err), &err);
	CHECK(unlink(b.config) == 0); /* gone: a read would fail */
	doc = json_tokener_parse(given);
	CHECK(doc != NULL);
	{
		struct berth_create_opts o = { .root = b.state,
					       .id = b.id,
					       .bundle = b.dir,
					       .config_doc = doc,
					       .config_text = given,
					       .config_len = strlen(given) };

		CHECK_OK(berth_container_create(&o, &pid, &err), &err);
		CHECK(cgroup_exists());
	}
	json_object_put(doc);
	snprintf(path, sizeof(path), "%s/%s/config.json", b.state, b.id);
	CHECK_OK(berth_read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, &err), &err);
	CHECK_STR(text, given);
	free(text);
	free(given);
	CHECK_OK(berth_container_delete(b.state, b.id, true, &warn, &err), &err);
	berth_error_free(warn);
	CHECK(!cgroup_exists());
	waitpid(pid, NULL, WNOHANG);
	remove_bundle(&b);
}

/* What a take_cgroup callback hands over, and how often it was asked. */
struct ahead {
	const char *saved;
	int asked;
};

static int take_ahead(void *arg, char **saved)
{
	struct ahead *a = arg;

	a->asked++;
	*saved = strdup(a->saved);
	return *saved != NULL;
}

/* Create with the config given, its spec parsed ahead and @a's cgroup offered. */
static void create_offered(struct bundle *b, const char *config, struct ahead *a, pid_t *pid)
{
	struct berth_error *err = NULL;
	struct berth_spec *spec = NULL;
	json_object *doc = json_tokener_parse(config);

	CHECK(doc != NULL);
	CHECK_OK(berth_container_spec(doc, &spec, &err), &err);
	{
		struct berth_create_opts o = { .root = b->state,
					       .id = b->id,
					       .bundle = b->dir,
					       .config_doc = doc,
					       .config_text = config,
					       .config_len = strlen(config),
					       .config_spec = spec, /* taken */
					       .take_cgroup = take_ahead,
					       .take_cgroup_arg = a };

		CHECK_OK(berth_container_create(&o, pid, &err), &err);
	}
	json_object_put(doc);
}

/*
 * A cgroup made ahead by the caller (`berth run`'s client, while its monitor sets up) is the
 * one the container gets: offered one made at another path, create takes it, makes none at
 * the config's path, and delete removes the one taken.
 */
BERTH_TEST(runtime_create_takes_the_cgroup_made_ahead)
{
	struct berth_error *err = NULL, *warn = NULL;
	struct berth_spec *other = NULL;
	struct bundle b;
	struct ahead a = { 0 };
	char *config = NULL, *moved = NULL, *saved = NULL, *at;
	json_object *doc;
	pid_t pid;

	make_bundle(&b, 0600);
	CHECK_OK(berth_read_file_at(AT_FDCWD, b.config, 1 << 20, &config, NULL, &err), &err);
	/* the same config, its cgroupsPath with "-ahead" appended */
	at = strstr(config, "\",\"namespaces\"");
	CHECK(at != NULL);
	CHECK(asprintf(&moved, "%.*s-ahead%s", (int)(at - config), config, at) > 0);
	doc = json_tokener_parse(moved);
	CHECK(doc != NULL);
	CHECK_OK(berth_container_spec(doc, &other, &err), &err);
	CHECK_OK(berth_container_make_cgroup(other, b.id, &saved, &err), &err);
	berth_spec_free(other);
	json_object_put(doc);
	CHECK(cgroup_exists_as("-ahead") && !cgroup_exists());
	a.saved = saved;
	create_offered(&b, config, &a, &pid);
	CHECK(a.asked == 1);
	CHECK(cgroup_exists_as("-ahead") && !cgroup_exists());
	CHECK_OK(berth_container_delete(b.state, b.id, true, &warn, &err), &err);
	berth_error_free(warn);
	CHECK(!cgroup_exists_as("-ahead"));
	waitpid(pid, NULL, WNOHANG);
	free(saved);
	free(moved);
	free(config);
	remove_bundle(&b);
}

/* A text that is not a whole saved cgroup (a client killed while sending): create makes its own. */
BERTH_TEST(runtime_create_makes_the_cgroup_when_the_offer_is_cut)
{
	struct berth_error *err = NULL, *warn = NULL;
	struct bundle b;
	struct ahead a = { .saved = "{\"mode\":3,\"v1\":[" };
	char *config = NULL;
	pid_t pid;

	make_bundle(&b, 0600);
	CHECK_OK(berth_read_file_at(AT_FDCWD, b.config, 1 << 20, &config, NULL, &err), &err);
	create_offered(&b, config, &a, &pid);
	CHECK(a.asked == 1 && cgroup_exists());
	CHECK_OK(berth_container_delete(b.state, b.id, true, &warn, &err), &err);
	berth_error_free(warn);
	CHECK(!cgroup_exists());
	waitpid(pid, NULL, WNOHANG);
	free(config);
	remove_bundle(&b);
}

/* A cgroup made ahead that nobody took is removed by drop (the client's end after a failure). */
BERTH_TEST(runtime_drop_removes_a_cgroup_made_ahead)
{
	struct berth_error *err = NULL;
	struct berth_spec *spec = NULL;
	struct bundle b;
	char *config = NULL, *saved = NULL;
	json_object *doc;

	make_bundle(&b, 0600);
	CHECK_OK(berth_read_file_at(AT_FDCWD, b.config, 1 << 20, &config, NULL, &err), &err);
	doc = json_tokener_parse(config);
	CHECK(doc != NULL);
	CHECK_OK(berth_container_spec(doc, &spec, &err), &err);
	CHECK_OK(berth_container_make_cgroup(spec, b.id, &saved, &err), &err);
	CHECK(cgroup_exists());
	berth_container_drop_cgroup(saved);
	CHECK(!cgroup_exists());
	berth_spec_free(spec);
	json_object_put(doc);
	free(saved);
	free(config);
	remove_bundle(&b);
}
