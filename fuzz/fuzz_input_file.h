// The fuzz input as a file, for parsers whose entry point is a path (the
// programs open files; fuzzing that same path covers the file checks too).
// One file per process, in /dev/shm where it exists, rewritten per input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace fitbench::fuzz {

inline std::string input_path(const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                      : std::filesystem::temp_directory_path();
    auto dir = base / ("fitbench-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    return dir;
  }();
  return (dir / name).string();
}

// Writes `bytes` to the process's file called `name` and returns its path.
inline std::string write_input(const std::string& name, std::string_view bytes) {
  const std::string path = input_path(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fitbench::fuzz
