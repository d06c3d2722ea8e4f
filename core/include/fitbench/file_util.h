// Whole files read and written safely: the file helpers every format of the
// core (.params, .states, symbol JSON, config.json) goes through.
#pragma once

#include <string>

namespace fitbench {

// Writes `bytes` to `path` through a temporary file in the same directory,
// flushed and renamed, so a crash never leaves a half-written `path`.
void write_file_atomically(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);
// Whether process `pid` of this machine still runs: the writer of a
// "<path>.tmp-<pid>", the runner of a queue entry. Not for pid 0 or below.
bool process_is_running(int pid);
// This machine's host name (gethostname); "localhost" when it has none.
std::string host_name();

}  // namespace fitbench
