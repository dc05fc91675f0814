/* SPDX-License-Identifier: MIT */
#include "filebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

#define MAX_FILE ((size_t)1 << 30)

int pa30t_read_file(const char *path, uint8_t **data_ret, size_t *len_ret)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int err = 0, fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE) {
		err = -EFBIG;
		goto out;
	}
	len = (size_t)st.st_size;
	buf = sxs_malloc(len);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*data_ret = buf;
	*len_ret = len;
	buf = NULL;
out:
	sxs_free(buf);
	close(fd);
	return err;
}

int pa30t_write_file(const char *path, const uint8_t *data, size_t len)
{
	size_t done = 0;
	int err = 0, fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
