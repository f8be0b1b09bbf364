#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include "core/hasher.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

extern char **environ;

/* Each hash holds 64 MiB in a helper; a bounded queue caps the backlog. */
#define MAX_QUEUED 256
/* A helper that dies sooner than this after its start waits this long to be started again. */
#define RESTART_HOLD_MS 1000
#define REAP_POLL_MS    10
/* How long a stopping daemon waits for a helper to finish its hash and exit. */
#define STOP_WAIT_MS 2000
/* The descriptor a helper finds its socket on. */
#define HELPER_FD 3

struct job {
	TAILQ_ENTRY(job) link;
	uint32_t id;
	struct hash_frame frame;
	hasher_done_fn done;
	void *arg;
};

TAILQ_HEAD(job_list, job);

enum helper_state {
	HELPER_DOWN, /* no process, or one killed and not yet reaped; restart timer pending */
	HELPER_IDLE,
	HELPER_BUSY, /* job in flight */
};

struct helper {
	struct hasher *h;
	int index;
	enum helper_state state;
	pid_t pid; /* 0: nothing to reap */
	int fd;    /* -1 while down */
	struct event *read_ev, *write_ev, *timer;
	uint64_t started_ns;
	struct job *job; /* while BUSY */
	size_t sent;     /* of job->frame */
	unsigned char in[1024];
	size_t in_len;
};

struct hasher {
	struct event_base *base;
	int n;
	struct helper *helpers;
	struct job_list queue;
	int pending; /* queued + in flight */
	uint32_t next_id;
	long starts;
	char **env; /* what a helper is started with: the sanitizers' settings only */
};

static void helper_start(struct helper *hp);
static void dispatch(struct hasher *h);

static void
job_end(struct job *j, enum hash_outcome outcome, const char *hash)
{
	hash_frame_clear(&j->frame);
	struct hasher_reply r = { .outcome = outcome, .hash = hash };
	j->done(j->arg, &r);
	free(j);
}

/*
 * Not the daemon's environment (database URLs, passwords in variables):
 * only what a sanitizer build reads, so that a helper reports as the daemon does.
 */
static char **
helper_env(void)
{
	static const char *const keep[] = { "ASAN_OPTIONS=", "LSAN_OPTIONS=", "UBSAN_OPTIONS=",
		                            NULL };
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **env = xcalloc(n + 1, sizeof(*env));
	size_t k = 0;
	for (char **e = environ; *e; e++)
		for (int i = 0; keep[i]; i++)
			if (strncmp(*e, keep[i], strlen(keep[i])) == 0)
				env[k++] = xstrdup(*e);
	return env;
}

static void on_timer(evutil_socket_t fd, short what, void *arg);

static void
timer_in(struct helper *hp, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	evtimer_add(hp->timer, &tv);
}

/* Reaps a stopped helper without blocking the loop; true once reaped. */
static bool
helper_reap(struct helper *hp)
{
	if (hp->pid == 0)
		return true;
	int st;
	pid_t r = waitpid(hp->pid, &st, WNOHANG);
	if (r == 0)
		return false;
	if (r == hp->pid && WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		log_msg(LOG_WARN, "hash helper died", "pid %d: signal %d", (int)hp->pid,
		        WTERMSIG(st));
	else if (r == hp->pid && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_msg(LOG_WARN, "hash helper died", "pid %d: exit status %d", (int)hp->pid,
		        WEXITSTATUS(st));
	hp->pid = 0;
	return true;
}

/* Reaped by now, or soon (on_timer): start again, at once unless it died young. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct helper *hp = arg;
	if (hp->state != HELPER_DOWN)
		abort();
	if (!helper_reap(hp)) {
		timer_in(hp, REAP_POLL_MS);
		return;
	}
	helper_start(hp);
}

/*
 * The helper is gone or not to be trusted: kill it, and start another. Its
 * job fails (the caller answers 503) if the helper had all of it, and goes
 * back to the head of the queue if not: it was never checked.
 */
static void
helper_lost(struct helper *hp, const char *why)
{
	log_msg(LOG_WARN, "hash helper lost", "pid %d: %s; starting another", (int)hp->pid, why);
	event_del(hp->read_ev);
	event_del(hp->write_ev);
	close(hp->fd);
	hp->fd = -1;
	/* Not yet reaped, so the pid is still this process's: safe to signal. */
	kill(hp->pid, SIGKILL);
	struct job *j = hp->job;
	hp->job = NULL;
	hp->in_len = 0;
	hp->state = HELPER_DOWN;
	bool young = pt_monotonic_ns() - hp->started_ns < (uint64_t)RESTART_HOLD_MS * 1000000u;
	timer_in(hp, young ? RESTART_HOLD_MS : 0);
	if (j && j->frame.bytes) {
		TAILQ_INSERT_HEAD(&hp->h->queue, j, link);
		dispatch(hp->h);
	} else if (j) {
		hp->h->pending--;
		job_end(j, HASH_LOST, NULL);
	}
}

/* Writes what is left of the job's frame; a full socket waits for the write event. */
static void
helper_send(struct helper *hp)
{
	struct job *j = hp->job;
	while (hp->sent < j->frame.len) {
		ssize_t n = send(hp->fd, j->frame.bytes + hp->sent, j->frame.len - hp->sent,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(hp->write_ev, NULL);
			return;
		}
		if (n < 0) {
			helper_lost(hp, strerror(errno));
			return;
		}
		hp->sent += (size_t)n;
	}
	/* Sent: the password need not stay in the daemon's memory while it is checked. */
	hash_frame_clear(&j->frame);
	event_del(hp->write_ev);
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct helper *hp = arg;
	if (hp->state == HELPER_BUSY && hp->job->frame.bytes)
		helper_send(hp);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct helper *hp = arg;
	ssize_t n = recv(fd, hp->in + hp->in_len, sizeof(hp->in) - hp->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		helper_lost(hp, n == 0 ? "it closed its socket" : strerror(errno));
		return;
	}
	hp->in_len += (size_t)n;
	struct hash_parsed p;
	long used = hash_frame_parse(hp->in, hp->in_len, &p);
	if (used == 0 && hp->in_len < sizeof(hp->in))
		return;
	/* One job at a time: exactly one reply, to that job, and nothing after it. */
	if (used <= 0 || (size_t)used != hp->in_len || hp->state != HELPER_BUSY ||
	    p.id != hp->job->id || p.code < HASH_MATCH || p.code >= HASH_LOST || p.count > 1) {
		helper_lost(hp, "a malformed reply");
		return;
	}
	struct job *j = hp->job;
	hp->job = NULL;
	hp->in_len = 0;
	hp->state = HELPER_IDLE;
	hp->h->pending--;
	char hash[256]; /* an argon2id string is under 128 bytes */
	const char *h = NULL;
	if (p.count == 1 && p.str[0].len < sizeof(hash)) {
		memcpy(hash, p.str[0].s, p.str[0].len + 1);
		h = hash;
	}
	struct hasher *owner = hp->h;
	job_end(j, (enum hash_outcome)p.code, h);
	dispatch(owner);
}

/* Hands queued jobs to idle helpers. */
static void
dispatch(struct hasher *h)
{
	for (int i = 0; i < h->n && !TAILQ_EMPTY(&h->queue); i++) {
		struct helper *hp = &h->helpers[i];
		if (hp->state != HELPER_IDLE)
			continue;
		struct job *j = TAILQ_FIRST(&h->queue);
		TAILQ_REMOVE(&h->queue, j, link);
		hp->state = HELPER_BUSY;
		hp->job = j;
		hp->sent = 0;
		helper_send(hp);
	}
}

static bool
spawn(struct helper *hp, int child_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* stderr stays: the helper's rare log lines and any sanitizer report go with the daemon's.
	 */
	posix_spawn_file_actions_adddup2(&fa, child_fd, HELPER_FD);
	/* No listener, client or database socket reaches the helper. */
	posix_spawn_file_actions_addclosefrom_np(&fa, HELPER_FD + 1);
	/*
	 * A session of its own: where the kernel groups CPU time by session
	 * (autogroup), busy helpers spend their own group's share, not the
	 * daemon's, so the loop keeps the credit that lets it preempt at once.
	 */
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
	char parent[24];
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	char *argv[] = { "policytrackd-hash-helper", HASHER_HELPER_FLAG, parent, NULL };
	/* /proc/self/exe: this very binary, even if an upgrade replaced the file on disk. */
	int err = posix_spawn(&hp->pid, "/proc/self/exe", &fa, &attr, argv, hp->h->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err != 0) {
		hp->pid = 0;
		log_msg(LOG_ERROR, "hash helper not started", "%s", strerror(err));
		return false;
	}
	return true;
}

static void
helper_start(struct helper *hp)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_msg(LOG_ERROR, "hash helper not started", "socketpair: %s", strerror(errno));
		timer_in(hp, RESTART_HOLD_MS);
		return;
	}
	/* dup2 onto itself would keep close-on-exec: never let the child's end be HELPER_FD. */
	if (sv[1] == HELPER_FD) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, HELPER_FD + 1);
		close(sv[1]);
		sv[1] = moved;
	}
	bool ok = sv[1] >= 0 && spawn(hp, sv[1]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (!ok) {
		close(sv[0]);
		timer_in(hp, RESTART_HOLD_MS);
		/* With no helper up, queued jobs would wait for ever: end them. */
		struct hasher *h = hp->h;
		for (int i = 0; i < h->n; i++)
			if (h->helpers[i].state != HELPER_DOWN)
				return;
		struct job *j;
		while ((j = TAILQ_FIRST(&h->queue)) != NULL) {
			TAILQ_REMOVE(&h->queue, j, link);
			h->pending--;
			job_end(j, HASH_LOST, NULL);
		}
		return;
	}
	hp->fd = sv[0];
	evutil_make_socket_nonblocking(hp->fd);
	event_assign(hp->read_ev, hp->h->base, hp->fd, EV_READ | EV_PERSIST, on_readable, hp);
	event_assign(hp->write_ev, hp->h->base, hp->fd, EV_WRITE | EV_PERSIST, on_writable, hp);
	event_add(hp->read_ev, NULL);
	hp->started_ns = pt_monotonic_ns();
	hp->state = HELPER_IDLE;
	hp->h->starts++;
	dispatch(hp->h);
}

struct hasher *
hasher_new(struct event_base *base, int nhelpers)
{
	struct hasher *h = xcalloc(1, sizeof(*h));
	h->base = base;
	h->n = nhelpers;
	h->env = helper_env();
	TAILQ_INIT(&h->queue);
	h->helpers = xcalloc((size_t)nhelpers, sizeof(*h->helpers));
	for (int i = 0; i < nhelpers; i++) {
		struct helper *hp = &h->helpers[i];
		hp->h = h;
		hp->index = i;
		hp->fd = -1;
		hp->state = HELPER_DOWN;
		/* Assigned for real once there is a socket (event_del before event_assign). */
		hp->read_ev = event_new(base, -1, 0, on_readable, hp);
		hp->write_ev = event_new(base, -1, 0, on_writable, hp);
		hp->timer = evtimer_new(base, on_timer, hp);
		if (!hp->read_ev || !hp->write_ev || !hp->timer)
			abort();
		helper_start(hp);
	}
	return h;
}

/* Waits for pid until deadline_ns (monotonic); true once reaped. */
static bool
reap_by(pid_t pid, uint64_t deadline_ns)
{
	for (;;) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (pt_monotonic_ns() >= deadline_ns)
			return false;
		struct timespec ts = { 0, 5 * 1000000 };
		nanosleep(&ts, NULL);
	}
}

void
hasher_free(struct hasher *h)
{
	if (!h)
		return;
	/* End of file tells each helper to exit once its hash is done, as a clean exit
	 * (under ASan, with its leak check); one still busy after STOP_WAIT_MS is killed. */
	for (int i = 0; i < h->n; i++) {
		struct helper *hp = &h->helpers[i];
		event_free(hp->read_ev);
		event_free(hp->write_ev);
		event_free(hp->timer);
		if (hp->fd >= 0)
			close(hp->fd);
	}
	uint64_t deadline = pt_monotonic_ns() + (uint64_t)STOP_WAIT_MS * 1000000u;
	struct job_list ended = TAILQ_HEAD_INITIALIZER(ended);
	for (int i = 0; i < h->n; i++) {
		struct helper *hp = &h->helpers[i];
		if (hp->pid > 0 && !reap_by(hp->pid, deadline)) {
			kill(hp->pid, SIGKILL);
			while (waitpid(hp->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (hp->job)
			TAILQ_INSERT_TAIL(&ended, hp->job, link);
	}
	TAILQ_CONCAT(&ended, &h->queue, link);
	struct job *j;
	while ((j = TAILQ_FIRST(&ended)) != NULL) {
		TAILQ_REMOVE(&ended, j, link);
		job_end(j, HASH_LOST, NULL);
	}
	for (char **e = h->env; *e; e++)
		free(*e);
	free(h->env);
	free(h->helpers);
	free(h);
}

static bool
submit(struct hasher *h, struct job *j)
{
	if (h->pending >= MAX_QUEUED) {
		hash_frame_clear(&j->frame);
		free(j);
		return false;
	}
	h->pending++;
	TAILQ_INSERT_TAIL(&h->queue, j, link);
	dispatch(h);
	return true;
}

static struct job *
job_new(struct hasher *h, enum hash_op op, hasher_done_fn done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));
	j->id = ++h->next_id;
	j->done = done;
	j->arg = arg;
	hash_frame_begin(&j->frame, j->id, op);
	return j;
}

static void
add(struct job *j, const char *s)
{
	hash_frame_add(&j->frame, s ? s : "", s ? strlen(s) : 0);
}

bool
hasher_verify(struct hasher *h, const char *hash, const char *password, hasher_done_fn done,
              void *arg)
{
	struct job *j = job_new(h, HASH_OP_VERIFY, done, arg);
	add(j, password);
	add(j, hash);
	return submit(h, j);
}

bool
hasher_new_password(struct hasher *h, const char *password, const char *current,
                    const char *current_hash, char *const *recent, int nrecent, hasher_done_fn done,
                    void *arg)
{
	struct job *j = job_new(h, current ? HASH_OP_CHANGE : HASH_OP_NEW, done, arg);
	add(j, password);
	if (current) {
		add(j, current);
		add(j, current_hash);
	}
	for (int i = 0; i < nrecent && i < HASH_FRAME_STRINGS - 3; i++)
		add(j, recent[i]);
	return submit(h, j);
}

long
hasher_starts(const struct hasher *h)
{
	return h->starts;
}
