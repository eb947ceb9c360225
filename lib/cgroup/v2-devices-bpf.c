/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"

/*
 * cgroup v2 has no devices controller: access is decided by a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup.  We assemble it
 * here from the OCI rules: the rules are tested from the last to the first,
 * and the first that matches decides (so the last matching rule wins, as with
 * v1's devices.allow/deny written in order); when none matches, deny.
 *
 * Context (struct bpf_cgroup_dev_ctx): access_type = (access << 16) | type,
 * then major and minor, all u32.  R0 = 1 allows, 0 denies.
 */

#define MAX_INSNS 4096

struct prog {
	struct bpf_insn insn[MAX_INSNS];
	size_t n;
};

static void emit(struct prog *p, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n] = (struct bpf_insn){
			.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
		};
	p->n++;
}

/* "if reg != imm goto next": a 32-bit compare, since major/minor are full u32 values. */
static void skip_unless(struct prog *p, __u8 op, __u8 reg, __s32 imm)
{
	emit(p, BPF_JMP32 | op | BPF_K, reg, 0, 0 /* patched */, imm);
}

static void prologue(struct prog *p)
{
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0); /* access_type */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff); /* r3: type */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_4, 0, 0, 16);	/* r4: access */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 4, 0); /* r5: major */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_6, BPF_REG_1, 8, 0); /* r6: minor */
}

static __s32 access_bits(const char *access)
{
	return (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
	       (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/*
 * One rule as a block whose failed tests jump past its end.  An allow rule
 * matches when every requested access is in the rule; a deny rule matches
 * when any requested access is in it, so that "deny w" blocks "rw".
 */
static bool rule_block(struct prog *p, const struct berth_res_device_rule *r)
{
	size_t start = p->n;
	__s32 acc = access_bits(r->access);

	if (r->type != 'a')
		skip_unless(p, BPF_JNE, BPF_REG_3,
			    r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (r->major >= 0)
		skip_unless(p, BPF_JNE, BPF_REG_5, (__s32)(__u32)r->major);
	if (r->minor >= 0)
		skip_unless(p, BPF_JNE, BPF_REG_6, (__s32)(__u32)r->minor);
	if (acc != 7) {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_4, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_7, 0, 0, r->allow ? ~acc & 7 : acc);
		skip_unless(p, r->allow ? BPF_JNE : BPF_JEQ, BPF_REG_7, 0);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = start; i < p->n && i < MAX_INSNS; i++)
		if (BPF_CLASS(p->insn[i].code) == BPF_JMP32)
			p->insn[i].off = (__s16)(p->n - i - 1);
	return p->n - start == 2; /* no test: matches everything */
}

static int assemble(struct prog *p, const struct berth_res_device_rule *rules, size_t n,
		    struct berth_error **err)
{
	bool final = false;

	prologue(p);
	/* After a rule that matches everything nothing is reachable (the verifier refuses that). */
	for (size_t i = n; i-- > 0 && !final;)
		final = rule_block(p, &rules[i]);
	if (!final) {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	if (p->n > MAX_INSNS)
		return berth_error_set(err, E2BIG, "%zu device rules make too long a program", n);
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct prog *p, struct berth_error **err)
{
	char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (__u64)(uintptr_t)p->insn;
	attr.insn_cnt = (__u32)p->n;
	attr.license = (__u64)(uintptr_t) "Apache-2.0";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	/* Again with the verifier's log, for the message. */
	attr.log_buf = (__u64)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	log[0] = '\0';
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	return berth_error_errno(err, "load device program (%.200s)", log);
}

/* Ids of the device programs attached to this cgroup itself (not inherited ones). */
static int query(int dirfd, __u32 *ids, __u32 *n)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (__u32)dirfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (__u64)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return -errno;
	*n = attr.query.prog_cnt;
	return 0;
}

static int detach_id(int dirfd, __u32 id)
{
	union bpf_attr attr;
	cleanup_close int fd = -1;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)dirfd;
	attr.attach_bpf_fd = (__u32)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	return sys_bpf(BPF_PROG_DETACH, &attr) < 0 ? -errno : 0;
}

/*
 * The new program is attached before the old ones go (BPF_F_ALLOW_MULTI lets
 * both run; all must allow), so an update never leaves a window without a
 * filter.
 */
int berth_cg_bpf_devices(int dirfd, const struct berth_res_device_rule *rules, size_t n,
			 struct berth_error **err)
{
	cleanup_free struct prog *p = calloc(1, sizeof(*p));
	cleanup_close int fd = -1;
	__u32 old[64], n_old = BERTH_ARRAY_SIZE(old);
	union bpf_attr attr;
	int ret;

	if (p == NULL)
		return berth_error_set(err, ENOMEM, "out of memory");
	if (assemble(p, rules, n, err) < 0 || (fd = load(p, err)) < 0)
		return berth_error_ret(err);
	ret = query(dirfd, old, &n_old);
	if (ret < 0)
		return berth_error_set(err, -ret, "query device programs: %s", strerror(-ret));
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)dirfd;
	attr.attach_bpf_fd = (__u32)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return berth_error_errno(err, "attach device program");
	for (__u32 i = 0; i < n_old && i < BERTH_ARRAY_SIZE(old); i++) {
		ret = detach_id(dirfd, old[i]);
		if (ret < 0)
			return berth_error_set(err, -ret, "detach old device program %u: %s",
					       old[i], strerror(-ret));
	}
	return 0;
}
