/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server runtime (`server` / `mode server` + `tls-server`): one UDP socket, the stateless
 * listener for new clients (protocol-control.md §6), one control-channel session per client
 * (peer-id = its index in the peer table), the address pool and the PUSH_REPLY
 * (protocol-data.md §8.4, §9; ops-interfaces.md §2, §8).
 *
 * A datagram from a known address goes to that client's session; from an unknown address (or a
 * new hard reset / a packet with another session id from a known one) to the listener, which
 * answers the reset without keeping state and, on the client's third packet with a valid cookie,
 * lets the runtime create the instance. Drops are counted and logged at a limited rate.
 *
 * Per client, in openvpn's order and wording: VERIFY lines, "peer info:", "Control Channel:",
 * "[CN] Peer Connection Initiated with ...", then with the prefix "CN/IP:PORT": duplicate-cn
 * policy, "MULTI_sva: pool returned ...", "MULTI: Learn: ...", key lines, "SENT CONTROL [CN]:
 * 'PUSH_REPLY,...' (status=1)", "Data Channel: ...". A client that sends EXIT is removed after
 * 5 seconds; a failed session frees its instance and pool address at once. max-clients bounds
 * the table; a client over it is refused ("MULTI: new incoming connection would exceed maximum
 * number of clients").
 *
 * Stage: no TUN device and no data channel yet: data packets are counted and dropped; the
 * pushed ping / ping-restart are sent to clients, but the server's own keepalive timers are not
 * armed.
 *
 * Signals: SIGTERM / SIGINT exit (with `explicit-exit-notify`, RESTART is sent to every client
 * first, for at most 2 s); SIGHUP returns RUNTIME_RELOAD, SIGUSR1 RUNTIME_RESTART.
 */
#ifndef SLUICE_SERVER_H
#define SLUICE_SERVER_H

#include "conf.h"
#include "loop.h"
#include "runtime.h"

/*
 * Runs the server until it should exit, reload or restart. c is finalized and outlives the
 * call; loop is the process's event loop, left without any of the server's registrations.
 */
enum runtime_end server_run(const struct conf *c, struct loop *loop);

#endif
