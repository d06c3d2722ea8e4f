// Symbol JSON that MXNet 1.9.1 wrote for the networks fitbench builds
// (tests/data/mxnet/make_reference.py), for byte-for-byte comparisons.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <memory>
#include <string>

namespace fitbench::test {

// The text of tests/data/mxnet/<name>-symbol.json, or of its gzip-compressed
// <name>-symbol.json.gz (the larger networks).
inline std::string mxnet_symbol_json(const std::string& name) {
  std::string path = std::string(FITBENCH_SOURCE_DIR) + "/tests/data/mxnet/" + name + "-symbol.json";
  if (!std::filesystem::exists(path)) path += ".gz";
  // gzread passes a plain file through unchanged.
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) ADD_FAILURE() << "cannot open " << path;
  std::string text;
  char chunk[1 << 16];
  int n = 0;
  while (file && (n = gzread(file.get(), chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<size_t>(n));
  return text;
}

}  // namespace fitbench::test
