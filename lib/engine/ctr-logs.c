/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "engine/ctr-logs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ctr.h"
#include "engine/live.h"
#include "util/cleanup.h"

struct follow {
	struct berth_engine *e;
	const char *id;
};

/* Following ends once the State says the container stopped (reread each time). */
static bool still_running(void *arg)
{
	struct follow *f = arg;
	struct berth_error *err = NULL;
	struct berth_ctr *c = NULL;
	bool on;

	if (berth_ctr_load(f->e, f->id, &c, &err) < 0 || berth_ctr_refresh(f->e, c, &err) < 0) {
		berth_error_free(err);
		berth_ctr_free(c);
		return false;
	}
	on = berth_ctr_active(c);
	berth_ctr_free(c);
	return on;
}

static const char *driver_of(const struct berth_ctr *c, const char *fallback)
{
	json_object *lc, *t;

	if (json_object_object_get_ex(berth_ctr_hostconfig(c), "LogConfig", &lc) &&
	    json_object_object_get_ex(lc, "Type", &t) && json_object_is_type(t, json_type_string) &&
	    json_object_get_string_len(t) > 0)
		return json_object_get_string(t);
	return fallback;
}

int berth_ctr_logs(struct berth_engine *e, const char *ref, const struct berth_log_read_opts *o,
		   int out_fd, int err_fd, struct berth_error **err)
{
	cleanup_free char *dir = NULL;
	struct berth_log_read_opts ro = *o;
	struct berth_ctr *c = NULL;
	struct follow f = { .e = e };
	int ret;

	if ((ret = berth_ctr_get(e, ref, &c, err)) < 0)
		return ret;
	if (!berth_log_readable(
		driver_of(c, e->conf.log_driver ? e->conf.log_driver : "json-file"))) {
		berth_ctr_free(c);
		return berth_error_set(err, ENOTSUP,
				       "configured logging driver does not support reading");
	}
	f.id = c->id;
	ro.running = still_running;
	ro.arg = &f;
	/* a stopped container has nothing more to say: -f returns at the end */
	if (!berth_ctr_active(c))
		ro.follow = false;
	dir = berth_ctr_dir(e, c->id);
	ret = dir ? berth_log_read(dir, c->id, &ro, out_fd, err_fd, err)
		  : berth_error_set(err, ENOMEM, "out of memory");
	berth_ctr_free(c);
	return ret;
}
