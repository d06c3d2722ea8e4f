#include "pyformat.h"

#include <cstdarg>
#include <cstdio>

#include "fitbench/fit_args.h"
#include "optim/python_float.h"

namespace fitbench {

// The double holding the float's shortest digits prints those digits.
std::string python_float32_str(float value) { return python_float_repr(python_double(value)); }

std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out(static_cast<size_t>(n > 0 ? n : 0), '\0');
  std::vsnprintf(out.data(), out.size() + 1, format, args);
  va_end(args);
  return out;
}

std::string comma_list(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

}  // namespace fitbench
