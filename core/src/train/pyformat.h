// Numbers printed the way Python prints them, so log lines match MXNet's.
// (repr(float) itself is fitbench::python_float_repr in fit_args.h.)
#pragma once

#include <string>
#include <vector>

namespace fitbench {

// str(numpy.float32): the shortest digits that read back as the same float32.
std::string python_float32_str(float value);
// Python's "%e" / "%f" / "%0.5e" are printf's; this is printf into a string.
std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Python's ", ".join(names): how help texts and messages list choices.
std::string comma_list(const std::vector<std::string>& names);

}  // namespace fitbench
