// Hyper-parameters reach the core as floats, but MXNet does its schedule and
// optimizer bookkeeping in Python doubles parsed from the same decimal text.
#pragma once

#include <charconv>
#include <string>

namespace fitbench {

// The shortest decimal that reads back as `value`: "2", "0.01", as the Python
// literal was typed.
inline std::string shortest_decimal(float value) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, value);
  return std::string(text, written.ptr);
}

// The double Python would hold for `value`: its shortest round-trip decimal
// read back as a double (0.1f -> 0.1, not 0.10000000149). Products such as
// 0.05 * 0.1 then round to the same float MXNet hands its kernels.
inline double python_double(float value) {
  const std::string text = shortest_decimal(value);
  double result = value;
  std::from_chars(text.data(), text.data() + text.size(), result);
  return result;
}

}  // namespace fitbench
