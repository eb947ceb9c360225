/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

static const char *const ipc_keys[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The namespace that makes @key (dotted) private, or BERTH_NS_COUNT for none. */
static enum berth_ns_type key_namespace(const char *key)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(ipc_keys); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			return BERTH_NS_IPC;
	if (has_prefix(key, "fs.mqueue."))
		return BERTH_NS_IPC;
	if (has_prefix(key, "net."))
		return BERTH_NS_NET;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return BERTH_NS_UTS;
	return BERTH_NS_COUNT;
}

/* Every component non-empty: "..", "." or "a//b" cannot get through (both "." and "/" split). */
static bool key_well_formed(const char *key)
{
	const char *p = key;

	while (*p != '\0') {
		size_t len = strcspn(p, "./");

		if (len == 0)
			return false;
		p += len;
		if (*p != '\0' && *++p == '\0')
			return false;
	}
	return key[0] != '\0';
}

static int validate_one(const char *key, const bool ns_present[BERTH_NS_COUNT],
			struct berth_error **err)
{
	cleanup_free char *dotted = NULL;
	enum berth_ns_type ns;

	if (key == NULL || !key_well_formed(key))
		return berth_error_set(err, EINVAL, "linux.sysctl: invalid key \"%s\"",
				       key ? key : "");
	dotted = strdup(key);
	if (dotted == NULL)
		return berth_error_set(err, ENOMEM, "linux.sysctl: out of memory");
	for (char *c = dotted; *c != '\0'; c++)
		if (*c == '/')
			*c = '.';
	ns = key_namespace(dotted);
	if (ns == BERTH_NS_COUNT)
		return berth_error_set(
		    err, EINVAL, "linux.sysctl: \"%s\" is not in a separate kernel namespace", key);
	if (!ns_present[ns])
		return berth_error_set(
		    err, EINVAL, "linux.sysctl: \"%s\" needs the container's own %s namespace", key,
		    berth_ns_name(ns));
	return 0;
}

int berth_sysctl_validate(const struct berth_sysctl *s, size_t n,
			  const bool ns_present[BERTH_NS_COUNT], struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		int ret = validate_one(s[i].key, ns_present, err);

		if (ret < 0)
			return ret;
	}
	return 0;
}

static int write_one(int dirfd, const struct berth_sysctl *s, struct berth_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	int ret;

	if (!key_well_formed(s->key))
		return berth_error_set(err, EINVAL, "linux.sysctl: invalid key \"%s\"", s->key);
	path = strdup(s->key);
	if (path == NULL)
		return berth_error_set(err, ENOMEM, "linux.sysctl: out of memory");
	if (strchr(path, '/') == NULL)
		for (char *c = path; *c != '\0'; c++)
			if (*c == '.')
				*c = '/';
	fd = berth_openat_in_root(dirfd, path, O_WRONLY | O_TRUNC, 0);
	if (fd < 0)
		return berth_error_errno(err, "linux.sysctl: open '/proc/sys/%s'", path);
	ret = berth_write_all(fd, s->value, strlen(s->value));
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "linux.sysctl: write \"%s\" to '/proc/sys/%s'",
					 s->value, path);
	}
	return 0;
}

int berth_sysctl_apply(const struct berth_sysctl *s, size_t n, struct berth_error **err)
{
	cleanup_close int dirfd = -1;

	if (n == 0)
		return 0;
	dirfd = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_errno(err, "linux.sysctl: open '/proc/sys'");
	for (size_t i = 0; i < n; i++) {
		int ret = write_one(dirfd, &s[i], err);

		if (ret < 0)
			return ret;
	}
	return 0;
}
