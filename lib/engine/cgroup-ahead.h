/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_ENGINE_CGROUP_AHEAD_H
#define BERTH_ENGINE_CGROUP_AHEAD_H

#include <stdbool.h>

#include "oci/spec.h"

/*
 * A container's first start from the `berth` that created it (`run`): its
 * cgroup is made by this client, which has nothing else to do once it has
 * forked the monitor, while the monitor sets itself up, instead of by the
 * monitor after that setup.  On a v1 hybrid the cgroup is ten directories
 * and their limits, close to a millisecond of kernel work that the second
 * CPU now does while the first prepares the rest.  The monitor's runtime
 * takes it through a socket (take_cgroup in runtime/container.h) or, finding
 * nothing there, makes it as before.
 */
struct berth_cgroup_ahead {
	const struct berth_spec *spec; /* the config's, berth_ctr_bundle_spec (borrowed) */
	const char *id;
	char *saved; /* the cgroup made: berth_cgroup_save() text, or NULL */
};

/*
 * Before the fork: whether this process wrote @id's config.json, so that
 * its spec is at hand (parsed now: the monitor takes it too).
 */
bool berth_cgroup_ahead_begin(struct berth_cgroup_ahead *a, const char *id);

/*
 * After the fork: make the cgroup, send what was made to the monitor on
 * socket @fd (nothing when it failed: the monitor makes it and says why
 * not), then close @fd.
 */
void berth_cgroup_ahead_hand(struct berth_cgroup_ahead *a, int fd);

/*
 * The end: unless the monitor reported the container started (@started),
 * the cgroup may be nobody's (a monitor that failed before taking it):
 * removed.  A taken one that its runtime already removed is simply gone.
 */
void berth_cgroup_ahead_end(struct berth_cgroup_ahead *a, bool started);

#endif
