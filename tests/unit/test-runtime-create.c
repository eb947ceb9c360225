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

/* The container's cgroup is there (v1's pids hierarchy, or v2's single one). */
static bool cgroup_exists(void)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/berth-unit-create-%d", (int)getpid());
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/fs/cgroup/berth-unit-create-%d", (int)getpid());
	return access(path, F_OK) == 0;
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
