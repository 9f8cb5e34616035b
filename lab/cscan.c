/*
 * cscan: a plain C epoll connect scanner, the floor shardscan is compared
 * against. No tricks: each thread keeps up to W non-blocking connects in
 * flight, reads SO_ERROR when the socket reports EPOLLOUT/EPOLLERR, and times
 * out the oldest attempt first (one timeout for all, so start order is
 * deadline order and a list in start order is the whole timer wheel).
 *
 *   cscan [-t threads] [-w window] [-T timeout_ms] [-r retries] [-a] -p PORTS TARGET...
 *
 * TARGET: a.b.c.d or a.b.c.d/len. PORTS: 22,80,1000-2000.
 * stdout: "open HOST PORT RTT_MS REASON" per open port; with -a every state,
 * "closed ... ECONNREFUSED", "filtered ... timeout|EHOSTUNREACH|...".
 * stderr: one JSON summary line (counts, wall ms).
 *
 * open = SO_ERROR 0 and a peer address (the handshake completed), or ECONNRESET/EPIPE (it
 * completed, and the listener reset the connection before we looked);
 * closed = ECONNREFUSED (a RST in SYN_SENT); filtered = no answer within the
 * timeout after all retries, or an ICMP unreachable. Local failures (EADDRNOTAVAIL, EMFILE, ENOBUFS, EAGAIN) are
 * not states: the target is retried after a short pause.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  uint64_t index; /* position in hosts × ports */
  int attempt;
  uint64_t start_ns;
  int32_t prev, next; /* the in-flight list, oldest first */
} slot_t;

/* The in-flight list: append on start, unlink on answer, expire from the head. */
typedef struct {
  slot_t *slots;
  int32_t head, tail;
} flight_t;

static void fl_append(flight_t *f, int32_t k) {
  f->slots[k].prev = f->tail, f->slots[k].next = -1;
  if (f->tail >= 0) f->slots[f->tail].next = k;
  else f->head = k;
  f->tail = k;
}

static void fl_unlink(flight_t *f, int32_t k) {
  slot_t *s = &f->slots[k];
  if (s->prev >= 0) f->slots[s->prev].next = s->next;
  else f->head = s->next;
  if (s->next >= 0) f->slots[s->next].prev = s->prev;
  else f->tail = s->prev;
}

static uint32_t *hosts;
static uint64_t n_hosts;
static uint16_t *ports;
static uint64_t n_ports;
static int n_threads = 2, window = 4096, timeout_ms = 1000, retries = 1, all_states = 0;
#define FILL_BATCH 256
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
  int id;
  uint64_t open, closed, filtered, local_errors;
} worker_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void) {
  fprintf(stderr, "usage: cscan [-t threads] [-w window] [-T timeout_ms] [-r retries] [-a] -p PORTS TARGET...\n"
                  "example: cscan -p 1-1000 198.18.1.1 198.18.2.0/24\n");
  exit(2);
}

static void parse_ports(char *spec) {
  static uint8_t seen[65536];
  ports = malloc(65536 * sizeof *ports);
  for (char *tok = strtok(spec, ","); tok; tok = strtok(NULL, ",")) {
    char *dash = strchr(tok, '-');
    long lo = strtol(tok, NULL, 10), hi = dash ? strtol(dash + 1, NULL, 10) : lo;
    if (lo < 1 || hi > 65535 || lo > hi) {
      fprintf(stderr, "cscan: bad port range '%s'\n", tok);
      exit(2);
    }
    for (long p = lo; p <= hi; p++)
      if (!seen[p]) seen[p] = 1, ports[n_ports++] = (uint16_t)p;
  }
}

static void add_target(const char *spec) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", spec);
  char *slash = strchr(buf, '/');
  int len = 32;
  if (slash) *slash = '\0', len = atoi(slash + 1);
  struct in_addr a;
  if (inet_pton(AF_INET, buf, &a) != 1 || len < 8 || len > 32) {
    fprintf(stderr, "cscan: bad target '%s' (IPv4 address or CIDR, /8 to /32)\n", spec);
    exit(2);
  }
  uint32_t base = ntohl(a.s_addr), count = 1u << (32 - len);
  base &= len == 32 ? 0xffffffffu : ~(count - 1);
  hosts = realloc(hosts, (n_hosts + count) * sizeof *hosts);
  for (uint32_t i = 0; i < count; i++) hosts[n_hosts++] = base + i;
}

static void report(const char *state, uint64_t index, const char *reason, double rtt_ms) {
  if (!all_states && strcmp(state, "open") != 0) return;
  /* Hosts vary fastest, so consecutive probes spread over the hosts. */
  uint32_t h = hosts[index % n_hosts];
  uint16_t p = ports[index / n_hosts];
  pthread_mutex_lock(&out_lock);
  printf("%s %u.%u.%u.%u %u %.3f %s\n", state, h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255, p, rtt_ms, reason);
  pthread_mutex_unlock(&out_lock);
}

static int is_local_error(int e) {
  return e == EADDRNOTAVAIL || e == EMFILE || e == ENFILE || e == ENOBUFS || e == EAGAIN || e == ENOMEM || e == ENOTCONN;
}

/* Start one attempt; return 1 if in flight, 0 if finished at once, -1 on a local error. */
static int start(int ep, slot_t *s, uint32_t slot_no, worker_t *w) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  /* Close with RST, not FIN: no TIME_WAIT, no second packet exchange. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(hosts[s->index % n_hosts]);
  sa.sin_port = htons(ports[s->index / n_hosts]);
  s->start_ns = now_ns();
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
    close(fd);
    w->open++;
    report("open", s->index, "syn-ack", 0);
    return 0;
  }
  int e = errno;
  if (e != EINPROGRESS) {
    close(fd);
    if (is_local_error(e)) return -1;
    if (e == ECONNREFUSED) w->closed++, report("closed", s->index, "ECONNREFUSED", 0);
    else w->filtered++, report("filtered", s->index, strerrorname_np(e), 0);
    return 0;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = slot_no};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  s->fd = fd;
  return 1;
}

static void *run(void *arg) {
  worker_t *w = arg;
  uint64_t total = n_hosts * n_ports;
  uint64_t next = (uint64_t)w->id; /* this thread takes indices id, id+T, id+2T, ... */
  int ep = epoll_create1(EPOLL_CLOEXEC);
  flight_t fl = {.slots = calloc((size_t)window, sizeof(slot_t)), .head = -1, .tail = -1};
  slot_t *slots = fl.slots;
  int32_t *free_list = malloc((size_t)window * sizeof *free_list);
  /* Targets set back by a local error; never more than the window, since
   * each one left a slot to get here. */
  uint64_t *redo = malloc((size_t)window * sizeof *redo);
  int n_redo = 0, n_free = window;
  for (int i = 0; i < window; i++) free_list[i] = window - 1 - i, slots[i].fd = -1;
  struct epoll_event evs[256];
  uint64_t timeout_ns = (uint64_t)timeout_ms * 1000000ull;

  for (;;) {
    /* Fill the window: first targets set back by a local error, then new ones. */
    /* At most FILL_BATCH new connects before looking at answers: a connect
     * costs tens of µs, and 4096 in a row would leave answers unread for
     * longer than some RTTs. */
    int backoff = 0, started = 0;
    while (n_free > 0 && (n_redo > 0 || next < total) && started++ < FILL_BATCH) {
      int32_t k = free_list[--n_free];
      slot_t *s = &slots[k];
      if (n_redo > 0) s->index = redo[--n_redo];
      else s->index = next, next += (uint64_t)n_threads;
      s->attempt = 0;
      int r = start(ep, s, (uint32_t)k, w);
      if (r == 1) {
        fl_append(&fl, k);
        continue;
      }
      free_list[n_free++] = k;
      if (r == -1) {
        w->local_errors++;
        redo[n_redo++] = s->index;
        backoff = 1;
        break;
      }
    }
    if (fl.head < 0 && n_redo == 0 && next >= total) break;

    int more = n_free > 0 && (n_redo > 0 || next < total);
    int wait_ms = backoff ? 1 : more ? 0 : -1;
    if (fl.head >= 0) {
      uint64_t due = slots[fl.head].start_ns + timeout_ns, t = now_ns();
      int ms = due > t ? (int)((due - t + 999999) / 1000000) : 0;
      if (wait_ms < 0 || ms < wait_ms) wait_ms = ms;
    }
    int n = epoll_wait(ep, evs, 256, wait_ms);
    for (int i = 0; i < n; i++) {
      int32_t k = (int32_t)evs[i].data.u32;
      slot_t *s = &slots[k];
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      /* Reported with no error but not connected: an ICMP error whose errno
       * was gone when SO_ERROR was read (seen in the icmp scenario). Not open:
       * probe again, as after a local error. */
      struct sockaddr_in peer;
      socklen_t peer_len = sizeof peer;
      if (err == 0 && getpeername(s->fd, (struct sockaddr *)&peer, &peer_len) != 0) err = ENOTCONN;
      double rtt = (double)(now_ns() - s->start_ns) / 1e6;
      close(s->fd); /* also removes it from the epoll set */
      s->fd = -1;
      fl_unlink(&fl, k);
      free_list[n_free++] = k;
      /* ECONNRESET/EPIPE: the handshake completed and the peer reset (or
       * closed) before we looked; a RST in SYN_SENT would be ECONNREFUSED. */
      if (err == 0) w->open++, report("open", s->index, "syn-ack", rtt);
      else if (err == ECONNRESET || err == EPIPE) w->open++, report("open", s->index, "syn-ack-reset", rtt);
      else if (err == ECONNREFUSED) w->closed++, report("closed", s->index, "ECONNREFUSED", rtt);
      else if (is_local_error(err)) w->local_errors++, redo[n_redo++] = s->index;
      else w->filtered++, report("filtered", s->index, strerrorname_np(err), rtt);
    }
    /* Expire the oldest attempts; a retry is a fresh socket at the back of the list. */
    uint64_t t = now_ns();
    while (fl.head >= 0 && slots[fl.head].start_ns + timeout_ns <= t) {
      int32_t k = fl.head;
      slot_t *s = &slots[k];
      fl_unlink(&fl, k);
      close(s->fd);
      s->fd = -1;
      if (s->attempt < retries) {
        s->attempt++;
        int r = start(ep, s, (uint32_t)k, w);
        if (r == 1) {
          fl_append(&fl, k);
          continue;
        }
        if (r == -1) w->local_errors++, redo[n_redo++] = s->index;
      } else {
        w->filtered++;
        report("filtered", s->index, "timeout", (double)(t - s->start_ns) / 1e6);
      }
      free_list[n_free++] = k;
    }
  }
  close(ep);
  free(slots), free(free_list), free(redo);
  return NULL;
}

int main(int argc, char **argv) {
  int opt;
  char *port_spec = NULL;
  while ((opt = getopt(argc, argv, "t:w:T:r:ap:")) != -1) {
    switch (opt) {
      case 't': n_threads = atoi(optarg); break;
      case 'w': window = atoi(optarg); break;
      case 'T': timeout_ms = atoi(optarg); break;
      case 'r': retries = atoi(optarg); break;
      case 'a': all_states = 1; break;
      case 'p': port_spec = optarg; break;
      default: usage();
    }
  }
  if (!port_spec || optind >= argc || n_threads < 1 || window < 1 || timeout_ms < 1 || retries < 0) usage();
  parse_ports(port_spec);
  for (int i = optind; i < argc; i++) add_target(argv[i]);

  /* One fd per connect in flight, plus a margin. */
  struct rlimit rl = {.rlim_cur = (rlim_t)n_threads * (rlim_t)window + 64};
  rl.rlim_max = rl.rlim_cur;
  struct rlimit cur;
  getrlimit(RLIMIT_NOFILE, &cur);
  if (cur.rlim_cur < rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &rl) < 0) {
    fprintf(stderr, "cscan: cannot raise the fd limit to %llu: %s\n", (unsigned long long)rl.rlim_cur, strerror(errno));
    return 1;
  }

  uint64_t t0 = now_ns();
  pthread_t tid[64];
  worker_t ws[64] = {0};
  if (n_threads > 64) n_threads = 64;
  for (int i = 0; i < n_threads; i++) ws[i].id = i, pthread_create(&tid[i], NULL, run, &ws[i]);
  worker_t sum = {0};
  for (int i = 0; i < n_threads; i++) {
    pthread_join(tid[i], NULL);
    sum.open += ws[i].open, sum.closed += ws[i].closed, sum.filtered += ws[i].filtered;
    sum.local_errors += ws[i].local_errors;
  }
  fflush(stdout);
  fprintf(stderr, "{\"probes\":%llu,\"open\":%llu,\"closed\":%llu,\"filtered\":%llu,\"localErrors\":%llu,\"ms\":%.1f}\n",
          (unsigned long long)(n_hosts * n_ports), (unsigned long long)sum.open, (unsigned long long)sum.closed,
          (unsigned long long)sum.filtered, (unsigned long long)sum.local_errors, (double)(now_ns() - t0) / 1e6);
  return 0;
}
