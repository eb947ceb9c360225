/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "runtime/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

#define SELINUX_MAGIC 0xf97cff8c

bool berth_lsm_apparmor_enabled(void)
{
	char buf[4] = { 0 };
	cleanup_close int fd = -1;

	if (access("/sys/kernel/security/apparmor", F_OK) < 0)
		return false;
	fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, 1) != 1)
		return false;
	return buf[0] == 'Y';
}

bool berth_lsm_selinux_enabled(void)
{
	struct statfs st;

	if (statfs("/sys/fs/selinux", &st) < 0)
		return false;
	return (unsigned long)st.f_type == SELINUX_MAGIC;
}

/* Write @value to the first of @paths that exists. */
static int write_attr(const char *const *paths, const char *value, const char *what,
		      struct berth_error **err)
{
	int ret = -ENOENT;

	for (; *paths != NULL; paths++) {
		ret = berth_write_file_at(AT_FDCWD, *paths, value, strlen(value));
		if (ret != -ENOENT)
			break;
	}
	if (ret < 0) {
		errno = -ret;
		return berth_error_errno(err, "%s: set the exec label", what);
	}
	return 0;
}

int berth_lsm_apparmor_exec(const char *profile, struct berth_error **err)
{
	static const char *const paths[] = { "/proc/thread-self/attr/apparmor/exec",
					     "/proc/thread-self/attr/exec", NULL };
	cleanup_free char *value = NULL;

	if (!berth_lsm_apparmor_enabled())
		return berth_error_set(err, ENOTSUP,
				       "process.apparmorProfile: AppArmor is not enabled on this "
				       "host");
	if (asprintf(&value, "exec %s", profile) < 0)
		return berth_error_set(err, ENOMEM, "process.apparmorProfile: out of memory");
	return write_attr(paths, value, "process.apparmorProfile", err);
}

int berth_lsm_selinux_exec(const char *label, struct berth_error **err)
{
	static const char *const paths[] = { "/proc/thread-self/attr/exec", NULL };

	if (!berth_lsm_selinux_enabled())
		return berth_error_set(err, ENOTSUP,
				       "process.selinuxLabel: SELinux is not enabled on this host");
	return write_attr(paths, label, "process.selinuxLabel", err);
}

int berth_lsm_apply(const struct berth_process *p, struct berth_error **err)
{
	int ret;

	if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0') {
		ret = berth_lsm_apparmor_exec(p->apparmor_profile, err);
		if (ret < 0)
			return ret;
	}
	if (p->selinux_label != NULL && p->selinux_label[0] != '\0')
		return berth_lsm_selinux_exec(p->selinux_label, err);
	return 0;
}
