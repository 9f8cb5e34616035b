/*
 * relay: a userspace delay line between two TUN devices, one in each of two
 * network namespaces (this kernel has no netem). Nothing here touches the
 * root namespace: the TUN fds are opened after setns() into each namespace and
 * stay bound to it when the process moves on.
 *
 * Each packet read from one TUN is written to the other after D ms ± J ms
 * (uniform), or dropped on purpose with probability L; A→B and B→A have their
 * own settings and their own seeded RNG stream, so a run is reproducible.
 * Pending packets sit in a min-heap keyed on (release time, arrival order):
 * with J = 0 that is FIFO, with J > 0 packets may overtake each other, as with
 * netem's jitter. One thread: epoll over both TUNs, a signalfd and one
 * absolute CLOCK_MONOTONIC timerfd armed at the earliest release (ns
 * resolution, no timer slack, unlike an epoll_wait timeout).
 *
 * Stats go to stdout as one JSON line on SIGUSR1 and at exit (SIGTERM,
 * SIGINT, or stdin closed). "ready" is printed once both TUNs are up.
 *
 *   relay --ns-a PATH --ns-b PATH [--dev NAME] [--delay-ab MS] [--delay-ba MS]
 *         [--jitter-ab MS] [--jitter-ba MS] [--loss-ab PCT] [--loss-ba PCT]
 *         [--queue N] [--txqlen N] [--seed N] [--rt PRIO]
 *         [--host-delay A.B.C.D:MS]... [--bottleneck-ab PPS] [--bottleneck-ba PPS]
 *         [--bottleneck-queue N]
 *
 * --host-delay adds MS to the delay of every IPv4 packet to that address (A→B)
 * and from it (B→A), so hosts behind one relay can sit at different distances
 * (a subnet with near and far hosts). At most MAX_HOST_DELAYS of them.
 *
 * --bottleneck-XX PPS makes that direction a congested link: packets leave
 * one every 1/PPS s (serialised before the delay), waiting in a FIFO of at
 * most --bottleneck-queue packets (default 100); beyond it they are dropped
 * (counted as "congested", a drop on purpose that does not void results).
 * Round trips then grow with the load, as on a real bottleneck.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_PKT 65536
#define READ_BATCH 256 /* packets read per wakeup before releases get a turn */
#define MAX_HOST_DELAYS 16

/* Extra one-way delay for one IPv4 host (network byte order address). */
typedef struct {
  uint32_t addr;
  double extra_ms;
} host_delay_t;
static host_delay_t host_delays[MAX_HOST_DELAYS];
static int n_host_delays = 0;
static double bottleneck_queue = 100;

typedef struct {
  uint64_t release_ns;
  uint64_t seq; /* arrival order: ties release first-in first-out */
  uint32_t len;
  unsigned char data[];
} pkt_t;

typedef struct {
  const char *name;
  int in_fd, out_fd;
  double delay_ms, jitter_ms, loss;
  int addr_offset; /* where the host's address sits in an IPv4 header: 16 (destination) A→B, 12 (source) B→A */
  double bottleneck_pps;  /* 0: no bottleneck */
  uint64_t link_free_ns;  /* when the bottleneck has sent everything queued so far */
  uint64_t n_congested;   /* dropped because the bottleneck's queue was full */
  uint64_t rng;
  pkt_t **heap;
  uint32_t size, cap;
  uint64_t seq;
  /* counters */
  uint64_t n_in, n_out, n_lost, n_overflow, n_write_err, max_queued;
  uint64_t max_late_ns, late_over_500us, late_over_1ms;
  uint64_t recent_late_ns; /* the worst since the previous stats line */
} dir_t;

static void die(const char *what) {
  fprintf(stderr, "relay: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for loss and jitter draws. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }

static int before(const pkt_t *a, const pkt_t *b) {
  return a->release_ns < b->release_ns || (a->release_ns == b->release_ns && a->seq < b->seq);
}

static void heap_push(dir_t *d, pkt_t *p) {
  uint32_t i = d->size++;
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!before(p, d->heap[parent])) break;
    d->heap[i] = d->heap[parent];
    i = parent;
  }
  d->heap[i] = p;
}

static pkt_t *heap_pop(dir_t *d) {
  pkt_t *top = d->heap[0];
  pkt_t *last = d->heap[--d->size];
  uint32_t i = 0;
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= d->size) break;
    if (c + 1 < d->size && before(d->heap[c + 1], d->heap[c])) c++;
    if (!before(d->heap[c], last)) break;
    d->heap[i] = d->heap[c];
    i = c;
  }
  if (d->size > 0) d->heap[i] = last;
  return top;
}

/* Enter the namespace mounted at `path` (e.g. /var/run/netns/NAME). */
static void enter_netns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(path);
  if (setns(fd, CLONE_NEWNET) < 0) die("setns");
  close(fd);
}

/*
 * Create TUN `dev` in the current namespace and bring it up. The tun file
 * takes the namespace of the process that opens it, so this must run after
 * setns(); the fd keeps working after the process moves to another namespace.
 */
static int open_tun(const char *dev, int txqlen) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket");
  /* The kernel drops what does not fit the TUN's read ring (tx_queue_len,
   * 500 by default): make room for bursts, the heap is the real queue. */
  ifr.ifr_qlen = txqlen;
  if (ioctl(s, SIOCSIFTXQLEN, &ifr) < 0) die("SIOCSIFTXQLEN");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) die("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) die("SIOCSIFFLAGS");
  close(s);
  return fd;
}

static void print_dir(FILE *f, dir_t *d) {
  fprintf(f,
          "\"%s\":{\"in\":%llu,\"out\":%llu,\"lost\":%llu,\"overflow\":%llu,\"writeErrors\":%llu,"
          "\"queued\":%u,\"maxQueued\":%llu,\"maxLateUs\":%.1f,\"recentMaxLateUs\":%.1f,\"lateOver500us\":%llu,"
          "\"lateOver1ms\":%llu,\"congested\":%llu}",
          d->name, (unsigned long long)d->n_in, (unsigned long long)d->n_out, (unsigned long long)d->n_lost,
          (unsigned long long)d->n_overflow, (unsigned long long)d->n_write_err, d->size,
          (unsigned long long)d->max_queued, d->max_late_ns / 1000.0, d->recent_late_ns / 1000.0,
          (unsigned long long)d->late_over_500us,
          (unsigned long long)d->late_over_1ms, (unsigned long long)d->n_congested);
  d->recent_late_ns = 0;
}

static void print_stats(dir_t *ab, dir_t *ba, const char *event, int rt) {
  printf("{\"event\":\"%s\",\"realtime\":%s,", event, rt ? "true" : "false");
  print_dir(stdout, ab);
  putchar(',');
  print_dir(stdout, ba);
  printf("}\n");
  fflush(stdout);
}

/* The --host-delay of the IPv4 address at `offset` in the packet, or 0. */
static double host_extra_ms(const unsigned char *pkt, size_t len, int offset) {
  if (n_host_delays == 0 || len < 20 || (pkt[0] >> 4) != 4) return 0;
  uint32_t a;
  memcpy(&a, pkt + offset, 4);
  for (int i = 0; i < n_host_delays; i++)
    if (host_delays[i].addr == a) return host_delays[i].extra_ms;
  return 0;
}

/* Read up to READ_BATCH packets from d->in_fd, dropping or queueing each. */
static void take_in(dir_t *d, unsigned char *buf) {
  for (int n = 0; n < READ_BATCH; n++) {
    ssize_t len = read(d->in_fd, buf, MAX_PKT);
    if (len < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("read tun");
    }
    uint64_t t = now_ns();
    d->n_in++;
    if (d->loss > 0 && rng_unit(&d->rng) < d->loss) {
      d->n_lost++;
      continue;
    }
    double delay = d->delay_ms + host_extra_ms(buf, (size_t)len, d->addr_offset);
    if (d->jitter_ms > 0) delay += (2.0 * rng_unit(&d->rng) - 1.0) * d->jitter_ms;
    if (delay < 0) delay = 0;
    uint64_t sent = t; /* when the packet leaves the bottleneck (or arrives, without one) */
    if (d->bottleneck_pps > 0) {
      uint64_t tx_ns = (uint64_t)(1e9 / d->bottleneck_pps);
      uint64_t start = d->link_free_ns > t ? d->link_free_ns : t;
      if ((double)(start - t) / (double)tx_ns >= bottleneck_queue) {
        d->n_congested++;
        continue;
      }
      sent = d->link_free_ns = start + tx_ns;
    }
    if (d->size >= d->cap) {
      d->n_overflow++;
      continue;
    }
    pkt_t *p = malloc(sizeof(pkt_t) + (size_t)len);
    if (!p) die("malloc");
    p->release_ns = sent + (uint64_t)(delay * 1e6);
    p->seq = d->seq++;
    p->len = (uint32_t)len;
    memcpy(p->data, buf, (size_t)len);
    heap_push(d, p);
    if (d->size > d->max_queued) d->max_queued = d->size;
  }
}

/* Write every packet whose time has come; return the next release time or 0. */
static uint64_t release_due(dir_t *d) {
  while (d->size > 0) {
    uint64_t t = now_ns();
    pkt_t *p = d->heap[0];
    if (p->release_ns > t) return p->release_ns;
    heap_pop(d);
    uint64_t late = t - p->release_ns;
    if (late > d->max_late_ns) d->max_late_ns = late;
    if (late > d->recent_late_ns) d->recent_late_ns = late;
    if (late > 500000) d->late_over_500us++;
    if (late > 1000000) d->late_over_1ms++;
    if (write(d->out_fd, p->data, p->len) == (ssize_t)p->len) d->n_out++;
    else d->n_write_err++;
    free(p);
  }
  return 0;
}

static double arg_num(const char *flag, const char *v) {
  char *end;
  double x = strtod(v, &end);
  if (*v == '\0' || *end != '\0' || x < 0) {
    fprintf(stderr, "relay: bad number for %s: '%s'\n", flag, v);
    exit(2);
  }
  return x;
}

int main(int argc, char **argv) {
  const char *ns_a = NULL, *ns_b = NULL, *dev = "lab0";
  dir_t ab = {.name = "ab", .addr_offset = 16}, ba = {.name = "ba", .addr_offset = 12};
  double queue = 65536, txqlen = 16384, seed = 1, rt_prio = 0;
  for (int i = 1; i < argc; i++) {
    const char *f = argv[i];
    if (i + 1 >= argc) {
      fprintf(stderr, "relay: %s needs a value\n", f);
      return 2;
    }
    const char *v = argv[++i];
    if (!strcmp(f, "--ns-a")) ns_a = v;
    else if (!strcmp(f, "--ns-b")) ns_b = v;
    else if (!strcmp(f, "--dev")) dev = v;
    else if (!strcmp(f, "--delay-ab")) ab.delay_ms = arg_num(f, v);
    else if (!strcmp(f, "--delay-ba")) ba.delay_ms = arg_num(f, v);
    else if (!strcmp(f, "--jitter-ab")) ab.jitter_ms = arg_num(f, v);
    else if (!strcmp(f, "--jitter-ba")) ba.jitter_ms = arg_num(f, v);
    else if (!strcmp(f, "--loss-ab")) ab.loss = arg_num(f, v) / 100.0;
    else if (!strcmp(f, "--loss-ba")) ba.loss = arg_num(f, v) / 100.0;
    else if (!strcmp(f, "--queue")) queue = arg_num(f, v);
    else if (!strcmp(f, "--txqlen")) txqlen = arg_num(f, v);
    else if (!strcmp(f, "--seed")) seed = arg_num(f, v);
    else if (!strcmp(f, "--rt")) rt_prio = arg_num(f, v);
    else if (!strcmp(f, "--bottleneck-ab")) ab.bottleneck_pps = arg_num(f, v);
    else if (!strcmp(f, "--bottleneck-ba")) ba.bottleneck_pps = arg_num(f, v);
    else if (!strcmp(f, "--bottleneck-queue")) bottleneck_queue = arg_num(f, v);
    else if (!strcmp(f, "--host-delay")) {
      char addr[32];
      const char *colon = strchr(v, ':');
      struct in_addr in;
      if (!colon || colon - v >= (long)sizeof addr || n_host_delays >= MAX_HOST_DELAYS) {
        fprintf(stderr, "relay: --host-delay wants A.B.C.D:MS (at most %d): '%s'\n", MAX_HOST_DELAYS, v);
        return 2;
      }
      memcpy(addr, v, (size_t)(colon - v));
      addr[colon - v] = '\0';
      if (inet_pton(AF_INET, addr, &in) != 1) {
        fprintf(stderr, "relay: --host-delay: not an IPv4 address: '%s'\n", addr);
        return 2;
      }
      host_delays[n_host_delays].addr = in.s_addr;
      host_delays[n_host_delays++].extra_ms = arg_num(f, colon + 1);
    } else {
      fprintf(stderr, "relay: unknown option %s\n", f);
      return 2;
    }
  }
  if (!ns_a || !ns_b || queue < 1 || ab.loss > 1 || ba.loss > 1) {
    fprintf(stderr, "relay: need --ns-a and --ns-b, --queue >= 1, loss <= 100\n");
    return 2;
  }
  /* Die with the parent (a test runner killed by SIGKILL leaves no relay). */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1;

  int rt = 0;
  if (rt_prio > 0) {
    /* Real-time priority keeps release lateness low while a scanner competes
     * for the two cores; without the privilege we run as a normal task and
     * the stats say so. */
    struct sched_param sp = {.sched_priority = (int)rt_prio};
    rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
  }

  enter_netns(ns_a);
  int fd_a = open_tun(dev, (int)txqlen);
  enter_netns(ns_b);
  int fd_b = open_tun(dev, (int)txqlen);
  ab.in_fd = fd_a, ab.out_fd = fd_b;
  ba.in_fd = fd_b, ba.out_fd = fd_a;
  ab.cap = ba.cap = (uint32_t)queue;
  ab.heap = calloc(ab.cap, sizeof(pkt_t *));
  ba.heap = calloc(ba.cap, sizeof(pkt_t *));
  if (!ab.heap || !ba.heap) die("calloc");
  ab.rng = (uint64_t)seed * 2 + 1;
  ba.rng = (uint64_t)seed * 2 + 2;

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGPIPE);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (sfd < 0 || tfd < 0 || ep < 0) die("signalfd/timerfd/epoll");
  int fds[] = {fd_a, fd_b, sfd, tfd, 0};
  for (int i = 0; i < 5; i++) {
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
    /* stdin: the parent's pipe; its end (EOF or error) means the parent is gone. */
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0 && fds[i] != 0) die("epoll_ctl");
  }

  printf("ready\n");
  fflush(stdout);

  static unsigned char buf[MAX_PKT];
  uint64_t armed = 0;
  for (;;) {
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    int stop = 0;
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == fd_a) take_in(&ab, buf);
      else if (fd == fd_b) take_in(&ba, buf);
      else if (fd == tfd) {
        uint64_t ticks;
        if (read(tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN) die("read timerfd");
        armed = 0;
      } else if (fd == sfd) {
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
          if (si.ssi_signo == SIGUSR1) print_stats(&ab, &ba, "stats", rt);
          else if (si.ssi_signo != SIGPIPE) stop = 1;
        }
      } else if (fd == 0) {
        ssize_t r = read(0, buf, sizeof buf);
        if (r <= 0) stop = 1;
      }
    }
    if (stop) break;
    uint64_t next_ab = release_due(&ab);
    uint64_t next_ba = release_due(&ba);
    uint64_t next = next_ab && next_ba ? (next_ab < next_ba ? next_ab : next_ba) : (next_ab ? next_ab : next_ba);
    if (next != armed) {
      struct itimerspec its = {0};
      its.it_value.tv_sec = (time_t)(next / 1000000000ull);
      its.it_value.tv_nsec = (long)(next % 1000000000ull);
      /* next == 0 disarms. */
      if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) die("timerfd_settime");
      armed = next;
    }
  }
  print_stats(&ab, &ba, "exit", rt);
  return 0;
}
