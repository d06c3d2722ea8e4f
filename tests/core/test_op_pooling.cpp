// Pooling: forward against direct loops and hand-computed values,
// finite-difference gradients for every mode, max routing and shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <numeric>
#include <random>

#include "file_test_util.h"
#include "fitbench/operator.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using testing::check_gradient;
using testing::GradCheckOptions;
using testing::random_tensor;

Tensor forward(const Attrs& attrs, const Tensor& x) {
  auto op = create_operator("Pooling", attrs);
  std::vector<Shape> in = {x.shape()}, out(1), aux;
  op->infer_shape(in, out, aux);
  Tensor y = Tensor::zeros(out[0]);
  Workspace ws;
  op->forward({false, nullptr, &ws}, {x}, {y}, {});
  return y;
}

Tensor iota_image(int64_t h, int64_t w) {
  Tensor x({1, 1, h, w});
  std::iota(x.f32(), x.f32() + x.size(), 0.0f);
  return x;
}

struct Config {
  std::string type;
  int k, s, p;
  bool full = false, include_pad = true;

  Attrs attrs() const {
    return {{"pool_type", type},
            {"kernel", "(" + std::to_string(k) + ", " + std::to_string(k) + ")"},
            {"stride", "(" + std::to_string(s) + ", " + std::to_string(s) + ")"},
            {"pad", "(" + std::to_string(p) + ", " + std::to_string(p) + ")"},
            {"pooling_convention", full ? "full" : "valid"},
            {"count_include_pad", include_pad ? "True" : "False"}};
  }
};

// Every window cell is visited; the padded frame [-p, size + p) counts toward
// the average when count_include_pad.
void check_against_reference(const Config& c, const Shape& data) {
  std::mt19937_64 rng(9);
  const Tensor x = random_tensor(data, rng);
  const Tensor y = forward(c.attrs(), x);
  const int64_t h = data[2], w = data[3], oh = y.shape()[2], ow = y.shape()[3];
  for (int64_t plane = 0; plane < data[0] * data[1]; ++plane)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double max = std::numeric_limits<float>::lowest(), sum = 0;
        int inside = 0, framed = 0;
        for (int64_t i = 0; i < c.k; ++i)
          for (int64_t j = 0; j < c.k; ++j) {
            const int64_t r = oy * c.s - c.p + i, q = ox * c.s - c.p + j;
            if (r < h + c.p && q < w + c.p) ++framed;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            ++inside;
            const double v = x.f32()[(plane * h + r) * w + q];
            max = std::max(max, v);
            sum += v;
          }
        const double expected = c.type == "max"   ? max
                                : c.type == "sum" ? sum
                                                  : sum / (c.include_pad ? framed : inside);
        ASSERT_NEAR(y.f32()[(plane * oh + oy) * ow + ox], expected, 1e-5)
            << c.type << " k" << c.k << " s" << c.s << " p" << c.p << " at " << oy << ", " << ox;
      }
}

TEST(Pooling, MatchesDirectLoops) {
  for (const char* type : {"max", "avg", "sum"})
    for (bool full : {false, true})
      for (bool include_pad : {true, false}) {
        check_against_reference({type, 2, 2, 0, full, include_pad}, {2, 3, 7, 7});
        check_against_reference({type, 3, 2, 1, full, include_pad}, {2, 2, 8, 8});
        check_against_reference({type, 4, 3, 2, full, include_pad}, {1, 2, 9, 8});
      }
  // Enough work to run on several threads.
  check_against_reference({"max", 3, 2, 1}, {8, 16, 32, 32});
  // 2x2 max at stride 2 (its own kernels on AVX-512): rows of several
  // vectors, a part-filled last one and a last odd column and row.
  check_against_reference({"max", 2, 2, 0}, {2, 3, 9, 37});
  check_against_reference({"max", 2, 2, 0}, {32, 20, 24, 24});
}

// The gradient of max pooling against a scan of each window in row-major
// order, on inputs of a few distinct values, so that most windows hold ties
// and only the first maximum may take dy.
void check_max_gradient_against_reference(const Config& c, const Shape& data) {
  std::mt19937_64 rng(4);
  Tensor x(data);
  std::uniform_int_distribution<int> level(0, 2);
  for (int64_t i = 0; i < x.size(); ++i) x.f32()[i] = 0.5f * static_cast<float>(level(rng));
  auto op = create_operator("Pooling", c.attrs());
  std::vector<Shape> in = {data}, out(1), aux;
  op->infer_shape(in, out, aux);
  Tensor y = Tensor::zeros(out[0]), dx = Tensor::full(data, 42.0f);
  const Tensor dy = random_tensor(out[0], rng);
  Workspace ws;
  const OpContext ctx{true, nullptr, &ws};
  op->forward(ctx, {x}, {y}, {});
  op->backward(ctx, {dy}, {x}, {y}, {dx}, {GradReq::Write}, {});
  const int64_t h = data[2], w = data[3], oh = out[0][2], ow = out[0][3];
  std::vector<double> expected(static_cast<size_t>(x.size()), 0.0);
  for (int64_t plane = 0; plane < data[0] * data[1]; ++plane)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t o = (plane * oh + oy) * ow + ox;
        bool found = false;
        for (int64_t i = 0; i < c.k && !found; ++i)
          for (int64_t j = 0; j < c.k && !found; ++j) {
            const int64_t r = oy * c.s - c.p + i, q = ox * c.s - c.p + j;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const int64_t at = (plane * h + r) * w + q;
            if (x.f32()[at] == y.f32()[o]) {
              expected[static_cast<size_t>(at)] += dy.f32()[o];
              found = true;
            }
          }
      }
  for (int64_t i = 0; i < x.size(); ++i)
    ASSERT_FLOAT_EQ(dx.f32()[i], static_cast<float>(expected[static_cast<size_t>(i)]))
        << "k" << c.k << " s" << c.s << " p" << c.p << " at " << i;
}

TEST(Pooling, MaxGradientGoesToTheFirstMaximumOfEveryWindow) {
  check_max_gradient_against_reference({"max", 2, 2, 0}, {2, 3, 9, 37});
  check_max_gradient_against_reference({"max", 2, 2, 0}, {32, 20, 24, 24});
  check_max_gradient_against_reference({"max", 2, 2, 0}, {1, 2, 5, 4});
  check_max_gradient_against_reference({"max", 3, 2, 1}, {2, 3, 9, 11});
  check_max_gradient_against_reference({"max", 3, 1, 0}, {1, 2, 6, 7});
}

// A NaN never wins a window, as in MXNet, whose fold starts from the lowest
// float and keeps a cell only where it is greater.
TEST(Pooling, MaxSkipsNan) {
  Tensor x = iota_image(4, 36);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  x.f32()[0] = nan;       // the first cell of window (0, 0)
  x.f32()[36 + 3] = nan;  // the last cell of window (0, 1)
  const Tensor y = forward({{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}}, x);
  EXPECT_EQ(y.f32()[0], 37.0f);
  EXPECT_EQ(y.f32()[1], 38.0f);
  EXPECT_EQ(y.f32()[17], 71.0f);
}

TEST(Pooling, HandComputedValues) {
  const Tensor x = iota_image(4, 4);
  const Tensor max = forward({{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}}, x);
  EXPECT_EQ(std::vector<float>(max.f32(), max.f32() + 4), (std::vector<float>{5, 7, 13, 15}));
  const Attrs avg = {{"kernel", "(3, 3)"}, {"pad", "(1, 1)"}, {"pool_type", "avg"}};
  EXPECT_FLOAT_EQ(forward(avg, x).f32()[0], 10.0f / 9.0f);
  Attrs exclude = avg;
  exclude["count_include_pad"] = "False";
  EXPECT_FLOAT_EQ(forward(exclude, x).f32()[0], 10.0f / 4.0f);
  const Tensor sum = forward({{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pool_type", "sum"}}, x);
  EXPECT_FLOAT_EQ(sum.f32()[0], 0 + 1 + 4 + 5);
}

// With the full convention and padding, a last window can lie wholly in the
// padding. MXNet 1.9.1 gives it 0 for avg and sum (even where its area counts
// no cell) and the lowest float for max; its gradient reaches no cell.
TEST(Pooling, AWindowWhollyInThePaddingIsZeroAsInMxnet) {
  const Tensor x = iota_image(7, 6);
  for (const char* include_pad : {"True", "False"})
    for (const char* type : {"avg", "sum", "max"}) {
      const Attrs attrs = {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}, {"pool_type", type},
                           {"pooling_convention", "full"}, {"count_include_pad", include_pad}};
      const Tensor y = forward(attrs, x);
      ASSERT_EQ(y.shape(), (Shape{1, 1, 5, 4}));
      const float expected = std::string(type) == "max" ? std::numeric_limits<float>::lowest() : 0.0f;
      for (int64_t ox = 0; ox < 4; ++ox) EXPECT_EQ(y.f32()[16 + ox], expected) << type << " " << include_pad;
      // A window that reaches the image keeps its average: cells 6 and 12 of row 1, column 0.
      if (std::string(type) == "avg" && std::string(include_pad) == "False") {
        EXPECT_FLOAT_EQ(y.f32()[4], 9.0f);
      }
    }
}

TEST(Pooling, ConventionsAndGlobalShapes) {
  const Tensor x = iota_image(5, 5);
  const Attrs valid = {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}};
  EXPECT_EQ(forward(valid, x).shape(), (Shape{1, 1, 2, 2}));
  Attrs full = valid;
  full["pooling_convention"] = "full";
  const Tensor y = forward(full, x);
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(y.f32()[8], 24.0f);  // the last window holds only the corner
  const Tensor global = forward({{"global_pool", "True"}, {"pool_type", "avg"}, {"kernel", "(2, 2)"}}, x);
  EXPECT_EQ(global.shape(), (Shape{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(global.f32()[0], 12.0f);
}

TEST(Pooling, MaxGradientGoesToTheFirstMaximum) {
  auto op = create_operator("Pooling", {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}});
  const Tensor x = Tensor::full({1, 1, 4, 4}, 1.0f);
  Tensor y = Tensor::zeros({1, 1, 2, 2});
  Tensor dx = Tensor::full({1, 1, 4, 4}, 42.0f);
  Workspace ws;
  const OpContext ctx{true, nullptr, &ws};
  op->forward(ctx, {x}, {y}, {});
  op->backward(ctx, {Tensor::full({1, 1, 2, 2}, 1.0f)}, {x}, {y}, {dx}, {GradReq::Write}, {});
  const std::vector<float> expected = {1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::vector<float>(dx.f32(), dx.f32() + 16), expected);
}

// Distinct inputs spaced well beyond the finite-difference step, so that no
// perturbation changes which element is a window's maximum.
GradCheckOptions distinct_inputs() {
  GradCheckOptions opt;
  opt.fill = [](std::vector<Tensor>& in, std::mt19937_64& rng) {
    std::vector<int> order(static_cast<size_t>(in[0].size()));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i = 0; i < order.size(); ++i) in[0].f32()[i] = 0.05f * static_cast<float>(order[i]) - 2.0f;
  };
  return opt;
}

TEST(Pooling, GradientMax) {
  check_gradient("Pooling", Config{"max", 2, 2, 0}.attrs(), {{2, 3, 4, 4}}, distinct_inputs());
  check_gradient("Pooling", Config{"max", 3, 2, 1}.attrs(), {{2, 2, 5, 5}}, distinct_inputs());
  check_gradient("Pooling", Config{"max", 3, 2, 0, true}.attrs(), {{1, 2, 6, 6}}, distinct_inputs());
}

TEST(Pooling, GradientAvg) {
  check_gradient("Pooling", Config{"avg", 3, 1, 1}.attrs(), {{2, 2, 4, 4}});
  check_gradient("Pooling", Config{"avg", 3, 2, 1, false, false}.attrs(), {{2, 2, 5, 5}});
  check_gradient("Pooling", Config{"avg", 2, 2, 1, true, true}.attrs(), {{1, 2, 6, 5}});
  check_gradient("Pooling", Config{"avg", 2, 2, 1, true, false}.attrs(), {{1, 2, 6, 6}});
}

TEST(Pooling, GradientSum) {
  check_gradient("Pooling",
                 {{"pool_type", "sum"}, {"kernel", "(2, 3)"}, {"stride", "(1, 2)"}, {"pad", "(1, 0)"}},
                 {{2, 2, 4, 5}});
}

TEST(Pooling, GradientGlobal) {
  check_gradient("Pooling", {{"global_pool", "True"}, {"pool_type", "avg"}}, {{2, 3, 3, 4}});
  check_gradient("Pooling", {{"global_pool", "True"}, {"kernel", "(1, 1)"}, {"cudnn_off", "True"}},
                 {{2, 3, 3, 4}}, distinct_inputs());
}

TEST(Pooling, NullRequestLeavesGradientAlone) {
  auto op = create_operator("Pooling", {{"kernel", "(2, 2)"}});
  std::mt19937_64 rng(2);
  const Tensor x = random_tensor({1, 1, 3, 3}, rng);
  Tensor y = Tensor::zeros({1, 1, 2, 2});
  Tensor dx = Tensor::full({1, 1, 3, 3}, 42.0f);
  Workspace ws;
  const OpContext ctx{true, nullptr, &ws};
  op->forward(ctx, {x}, {y}, {});
  op->backward(ctx, {Tensor::full({1, 1, 2, 2}, 1.0f)}, {x}, {y}, {dx}, {GradReq::Null}, {});
  for (int64_t i = 0; i < dx.size(); ++i) ASSERT_EQ(dx.f32()[i], 42.0f);
}

std::string error_of(const Attrs& attrs, const Shape& data = {}) {
  return test::error_message([&] {
    auto op = create_operator("Pooling", attrs);
    std::vector<Shape> in = {data}, out(1), aux;
    op->infer_shape(in, out, aux);
  });
}

TEST(Pooling, Errors) {
  auto has = [](const std::string& message, const char* part) {
    return message.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of({{"pool_type", "max"}}), "needs the attribute 'kernel'"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2, 2)"}}), "2-D kernels only"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2)"}, {"pool_type", "lp"}}), "max, avg, sum"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2)"}, {"pooling_convention", "same"}}), "valid, full"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2)"}, {"layout", "NHWC"}}), "NCHW only"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2)"}, {"bogus", "1"}}), "no attribute 'bogus'"));
  EXPECT_TRUE(has(error_of({{"kernel", "(2, 2)"}}, {4, 3, 8}), "(4, 3, 8) is not 4-D"));
  EXPECT_TRUE(has(error_of({{"kernel", "(5, 5)"}, {"pad", "(1, 1)"}}, {4, 3, 2, 8}),
                  "kernel (5, 5) exceeds data shape (4, 3, 2, 8) padded by (1, 1)"));
}

}  // namespace
}  // namespace fitbench
