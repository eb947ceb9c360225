/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "containers.h"
#include "engine/attach.h"
#include "run.h"
#include "engine/ctr.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/json.h"

/*
 * `berth run`: create, start, and in the foreground relay the container's
 * stdio until it exits, exiting with its code (Docker's 125 when berth
 * itself fails, 126/127 when the command cannot run).  Killing this process
 * leaves the container running under its monitor.
 */

/* Docker's exit status for a container that could not start. */
int cli_start_failure_code(const struct berth_error *err)
{
	if (err == NULL)
		return 125;
	if (err->code == ENOENT)
		return 127;
	if (err->code == EACCES || err->code == EPERM)
		return 126;
	return 125;
}

/* The exit code of the container's last run, as State records it. */
int cli_recorded_exit_code(struct berth_engine *e, const char *id)
{
	struct berth_ctr *c = NULL;
	int64_t code = 255;

	if (berth_ctr_load(e, id, &c, NULL) < 0)
		return 255;
	berth_json_int(c->state, "State", "ExitCode", INT32_MIN, INT32_MAX, &code, NULL);
	berth_ctr_free(c);
	return (int)code;
}

/* Relay on @sock until the container's exit; its code, or the recorded one. */
int cli_attach_relay(struct berth_engine *e, const char *id, int sock, bool in, bool tty,
		     bool sig_proxy, struct berth_error **err)
{
	struct berth_attach_io io = {
		.in_fd = in ? STDIN_FILENO : -1,
		.out_fd = STDOUT_FILENO,
		.err_fd = STDERR_FILENO,
		.tty = tty,
		.sig_proxy = sig_proxy,
	};
	int code = 0, ret;

	fflush(stdout);
	ret = berth_attach_relay(sock, &io, &code, err);
	if (ret < 0)
		return -1;
	if (ret == 1)
		return code;
	/* the monitor hung up without an exit message: it died, or removed the container */
	berth_ctr_wait_monitor(e, id, NULL);
	return cli_recorded_exit_code(e, id);
}

static bool auto_remove(json_object *body)
{
	json_object *hc = NULL;
	bool rm = false;

	if (berth_json_object(body, "", "HostConfig", &hc, NULL) == 1)
		berth_json_bool(hc, "HostConfig", "AutoRemove", &rm, NULL);
	return rm;
}

/*
 * With -t, the terminal's size goes to the monitor before the start: it
 * applies it between create and start, so the process never sees a 0x0
 * terminal (the relay's own resize comes after the process runs).
 */
static void send_initial_size(int sock)
{
	struct winsize ws;
	uint16_t rc[2];
	int fd = isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	rc[0] = ws.ws_row;
	rc[1] = ws.ws_col;
	berth_attach_send(sock, BERTH_ATTACH_RESIZE, rc, sizeof(rc), NULL);
}

static int foreground(struct berth_engine *e, struct cli_run_opts *o, const char *id,
		      struct berth_error **err)
{
	cleanup_close int mine = -1;
	int pair[2], code;

	if (berth_attach_pair(pair, err) < 0)
		return 125;
	mine = pair[0];
	if (o->tty)
		send_initial_size(mine);
	if (berth_ctr_start(e, id, pair[1], err) < 0) {
		close(pair[1]);
		return cli_start_failure_code(*err);
	}
	close(pair[1]);
	code = cli_attach_relay(e, id, mine, o->interactive, o->tty, true, err);
	if (code < 0)
		return 125;
	/* --rm: Docker returns once the container is gone; the monitor hangs up then */
	if (auto_remove(o->body)) {
		char buf[BERTH_ATTACH_MAX_MSG];

		while (recv(mine, buf, sizeof(buf), 0) > 0)
			;
		berth_ctr_wait_monitor(e, id, NULL);
	}
	return code;
}

int cmd_run(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	struct cli_run_opts o = { 0 };
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_engine *e;
	int rc;

	if (cli_run_parse(argc, argv, true, &o, err) < 0) {
		cli_run_opts_release(&o);
		return 125;
	}
	if (cli_engine(g, &e, err) < 0 || cli_container_create(g, &o, id, err) < 0) {
		cli_run_opts_release(&o);
		return 125;
	}
	if (o.detach) {
		rc = 0;
		if (berth_ctr_start(e, id, -1, err) < 0)
			rc = cli_start_failure_code(*err);
		else
			printf("%s\n", id);
	} else {
		rc = foreground(e, &o, id, err);
	}
	cli_run_opts_release(&o);
	return rc;
}
