// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * efa-vm-run: runs the command of a test VM inside the guest and carries
 * everything it prints to the host.
 *
 *   efa-vm-run OUT SUM -- COMMAND [ARG...]
 *
 * COMMAND runs with stdin /dev/null and stdout and stderr on a new
 * pseudo-terminal in raw mode (a terminal, as a user's command would have,
 * but with no newline translation and no echo), in a session of its own.
 * Every byte the terminal receives is appended to OUT, a file in the results
 * share that tools/efa-vm follows on the host.  A file never refuses data, so
 * nothing is dropped on the way out, and nothing waits on the host's reader.
 *
 * When COMMAND has exited, whatever it left running is killed (it would keep
 * RDMA objects and the driver busy), if this program's parent is PID 1 (the
 * guest's harness); what those processes wrote up to then is still copied.  Last, SUM gets one line "BYTES CRC32" (CRC-32 as in zlib,
 * hex) of what went into OUT, or "error: ..." if writing OUT failed, which
 * the host compares with what it received.
 *
 * Diagnostics go to stderr (the guest's harness log).  Exit status:
 * COMMAND's, 128 + N if signal N ended it, 126/127 if it could not be run (as
 * a shell does), 125 if this program failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FAILED 125
/* How long processes that survived SIGKILL may keep the terminal open. */
#define LEFTOVER_WAIT_MS 5000

struct sink {
	int fd;
	uint64_t bytes;
	uint32_t crc;
	int error;		/* errno of the first failed write, 0 if none */
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static void sink_write(struct sink *s, const unsigned char *p, size_t n)
{
	ssize_t w;

	s->bytes += n;
	s->crc = crc_update(s->crc, p, n);
	while (n && !s->error) {
		w = write(s->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->error = w < 0 ? errno : EIO;
			fprintf(stderr, "efa-vm-run: writing the output failed: %s\n",
				strerror(s->error));
			break;
		}
		p += w;
		n -= w;
	}
}

/*
 * Copy what the terminal holds now; returns 0 while a slave end is still
 * open, -1 once none is (EIO) and the terminal is drained.
 */
static int drain(int master, struct sink *s)
{
	static unsigned char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(master, buf, sizeof(buf));
		if (n > 0) {
			sink_write(s, buf, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -1;	/* EIO: every slave end is closed */
	}
}

/*
 * Whether a command name without a slash names a file in some PATH folder:
 * execvp reports EACCES, not ENOENT, when a PATH folder was unreadable, but
 * the command is still "not found" (127) if it is nowhere, as a shell says.
 */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH"), *end;
	char file[4096];

	if (strchr(name, '/'))
		return true;
	for (; path && *path; path = *end ? end + 1 : end) {
		end = strchrnul(path, ':');
		snprintf(file, sizeof(file), "%.*s/%s", (int)(end - path), path, name);
		if (access(file, F_OK) == 0)
			return true;
	}
	return false;
}

static void child(int slave, char **argv)
{
	int null;

	setsid();
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		fprintf(stderr, "efa-vm-run: TIOCSCTTY: %s\n", strerror(errno));
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(slave, 1) < 0 ||
	    dup2(slave, 2) < 0)
		_exit(FAILED);
	if (null > 2)
		close(null);
	if (slave > 2)
		close(slave);
	execvp(argv[0], argv);
	if (errno == ENOENT || !on_path(argv[0])) {
		char cwd[4096];

		fprintf(stderr, "efa-vm (guest): %s: command not found (PATH=%s, cwd %s)\n",
			argv[0], getenv("PATH") ? getenv("PATH") : "",
			getcwd(cwd, sizeof(cwd)) ? cwd : "?");
		_exit(127);
	}
	fprintf(stderr, "efa-vm (guest): %s: %s\n", argv[0], strerror(errno));
	_exit(126);
}

/*
 * Everything but PID 1 and us: what the command left running.  Only where
 * our parent is PID 1, the guest's harness (or a PID namespace of a test):
 * anywhere else kill(-1) would end every process of the user.
 */
static void kill_leftovers(void)
{
	if (getppid() == 1)
		kill(-1, SIGKILL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: efa-vm-run OUT SUM -- COMMAND [ARG...]\n");
}

/* The pseudo-terminal COMMAND gets: raw, so bytes pass unchanged. */
static int open_terminal(int *master, int *slave)
{
	struct termios tio;
	const char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0)
		return -1;
	name = ptsname(*master);
	if (!name)
		return -1;
	/* not O_CLOEXEC: the child keeps it across exec as stdout/stderr */
	*slave = open(name, O_RDWR | O_NOCTTY);
	if (*slave < 0 || tcgetattr(*slave, &tio) < 0)
		return -1;
	cfmakeraw(&tio);
	if (tcsetattr(*slave, TCSANOW, &tio) < 0)
		return -1;
	return fcntl(*master, F_SETFL, O_NONBLOCK);
}

static int write_sum(const char *path, const struct sink *out)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (out->error)
		fprintf(f, "error: writing the output failed: %s\n",
			strerror(out->error));
	else
		fprintf(f, "%llu %08x\n", (unsigned long long)out->bytes, out->crc);
	return fclose(f);
}

int main(int argc, char **argv)
{
	struct sink out = { .crc = 0 };
	struct signalfd_siginfo si;
	struct pollfd fds[2];
	int master, slave, sfd, status = 0, timeout, n;
	bool exited = false, open_slaves = true;
	int64_t deadline = 0;
	sigset_t chld;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--")) {
		usage();
		return FAILED;
	}
	crc_init();
	out.fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out.fd < 0) {
		fprintf(stderr, "efa-vm-run: %s: %s\n", argv[1], strerror(errno));
		return FAILED;
	}
	if (open_terminal(&master, &slave) < 0) {
		fprintf(stderr, "efa-vm-run: no pseudo-terminal: %s\n", strerror(errno));
		return FAILED;
	}
	/* SIGCHLD arrives through a descriptor, polled with the terminal */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "efa-vm-run: signalfd: %s\n", strerror(errno));
		return FAILED;
	}

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "efa-vm-run: fork: %s\n", strerror(errno));
		return FAILED;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		child(slave, argv + 4);
	}
	close(slave);

	/*
	 * Until the command has exited and every slave end is closed (EIO): a
	 * command that closed its output may still be running, and a process
	 * it left behind may still be writing.
	 */
	while (!exited || open_slaves) {
		fds[0] = (struct pollfd){ .fd = open_slaves ? master : -1, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = exited ? -1 : sfd, .events = POLLIN };
		timeout = -1;
		if (exited) {
			timeout = deadline - now_ms();
			if (timeout <= 0) {
				fprintf(stderr, "efa-vm-run: processes the command left "
					"behind still hold its terminal %d s after SIGKILL\n",
					LEFTOVER_WAIT_MS / 1000);
				drain(master, &out);
				break;
			}
		}
		n = poll(fds, 2, timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "efa-vm-run: poll: %s\n", strerror(errno));
			break;
		}
		if (fds[0].revents && drain(master, &out) < 0)
			open_slaves = false;
		if (fds[1].revents) {
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = true;
				kill_leftovers();
				deadline = now_ms() + LEFTOVER_WAIT_MS;
			}
		}
	}

	if (write_sum(argv[2], &out) < 0) {
		fprintf(stderr, "efa-vm-run: %s: %s\n", argv[2], strerror(errno));
		return FAILED;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
