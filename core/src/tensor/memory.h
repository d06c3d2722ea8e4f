// Main memory as an out-of-memory message talks about it.
#pragma once

#include <cstdint>
#include <string>

namespace fitbench {

// "7.5 GiB", "512 bytes".
std::string human_bytes(double bytes);

// The kernel's estimate of the memory this process can still get
// (MemAvailable), or -1 where it does not say.
int64_t available_memory();

}  // namespace fitbench
