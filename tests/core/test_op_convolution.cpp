// Convolution: forward and backward against a direct loop implementation,
// finite-difference gradients for every parameter, and shape errors. Every
// numeric check runs on the AVX-512 kernels (where the CPU has them), with
// and without Winograd, and on the portable path.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "file_test_util.h"
#include "fitbench/operator.h"
#include "gradcheck.h"
#include "ops/kernels/convolution.h"

namespace fitbench {
namespace {

using testing::random_tensor;

// Runs `check` on each available kernel route (the AVX-512 kernels with and
// without Winograd for 3x3 stride-1 layers, and the portable path), then
// restores the default.
template <class Check>
void on_each_route(Check check) {
  const bool default_avx512 = cpu::convolution_avx512(), default_winograd = cpu::convolution_winograd();
  for (const bool avx512 : {true, false}) {
    cpu::set_convolution_avx512(avx512);
    if (cpu::convolution_avx512() != avx512) continue;  // no AVX-512 on this CPU
    SCOPED_TRACE(avx512 ? "AVX-512 kernels" : "portable path");
    for (const bool winograd : {true, false}) {
      if (winograd && !avx512) continue;  // Winograd has AVX-512 kernels only
      cpu::set_convolution_winograd(winograd);
      SCOPED_TRACE(winograd ? "Winograd where it applies" : "direct convolution");
      check();
    }
  }
  cpu::set_convolution_avx512(default_avx512);
  cpu::set_convolution_winograd(default_winograd);
}

void check_gradient(const std::string& op, const Attrs& attrs, const std::vector<Shape>& shapes) {
  on_each_route([&] { testing::check_gradient(op, attrs, shapes); });
}

struct Params {
  int kh, kw, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, filters, groups = 1;
  bool bias = true;

  Attrs attrs() const {
    Attrs a = {{"kernel", "(" + std::to_string(kh) + ", " + std::to_string(kw) + ")"},
               {"stride", "(" + std::to_string(sh) + ", " + std::to_string(sw) + ")"},
               {"pad", "(" + std::to_string(ph) + ", " + std::to_string(pw) + ")"},
               {"dilate", "(" + std::to_string(dh) + ", " + std::to_string(dw) + ")"},
               {"num_filter", std::to_string(filters)},
               {"num_group", std::to_string(groups)}};
    if (!bias) a["no_bias"] = "True";
    return a;
  }
};

struct Reference {
  int64_t n, c, h, w, f, oh, ow, cg, fg;
};

Reference geometry(const Params& p, const Shape& x) {
  Reference r{x[0], x[1], x[2], x[3], p.filters, 0, 0, x[1] / p.groups, p.filters / p.groups};
  r.oh = (r.h + 2 * p.ph - (p.dh * (p.kh - 1) + 1)) / p.sh + 1;
  r.ow = (r.w + 2 * p.pw - (p.dw * (p.kw - 1) + 1)) / p.sw + 1;
  return r;
}

// Calls visit(x index, w index, y index) for every product term of the convolution.
template <class Visit>
void for_each_term(const Params& p, const Reference& r, Visit visit) {
  for (int64_t n = 0; n < r.n; ++n)
    for (int64_t f = 0; f < r.f; ++f)
      for (int64_t oy = 0; oy < r.oh; ++oy)
        for (int64_t ox = 0; ox < r.ow; ++ox)
          for (int64_t ci = 0; ci < r.cg; ++ci)
            for (int64_t ki = 0; ki < p.kh; ++ki)
              for (int64_t kj = 0; kj < p.kw; ++kj) {
                const int64_t iy = oy * p.sh - p.ph + ki * p.dh, ix = ox * p.sw - p.pw + kj * p.dw;
                if (iy < 0 || iy >= r.h || ix < 0 || ix >= r.w) continue;
                const int64_t c = f / r.fg * r.cg + ci;
                visit(((n * r.c + c) * r.h + iy) * r.w + ix, ((f * r.cg + ci) * p.kh + ki) * p.kw + kj,
                      ((n * r.f + f) * r.oh + oy) * r.ow + ox);
              }
}

struct Result {
  std::vector<Tensor> in, out, in_grad;
};

// Forward and backward of the operator with out_grad = dy.
Result run(const Params& p, const Shape& data, uint64_t seed, std::vector<GradReq> req = {}) {
  auto op = create_operator("Convolution", p.attrs());
  std::vector<Shape> in_shapes(op->arguments().size()), out_shapes(1), aux;
  in_shapes[0] = data;
  op->infer_shape(in_shapes, out_shapes, aux);
  std::mt19937_64 rng(seed);
  Result r;
  for (const auto& s : in_shapes) r.in.push_back(random_tensor(s, rng));
  r.out.push_back(Tensor::zeros(out_shapes[0]));
  Workspace ws;
  OpContext ctx{true, &rng, &ws};
  op->forward(ctx, r.in, r.out, {});
  const Tensor dy = random_tensor(out_shapes[0], rng);
  if (req.empty()) req.assign(r.in.size(), GradReq::Write);
  for (const auto& t : r.in) r.in_grad.push_back(Tensor::full(t.shape(), 42.0f));
  op->backward(ctx, {dy}, r.in, r.out, r.in_grad, req, {});
  r.out.push_back(dy);
  return r;
}

// Sums computed in double; float32 rounding grows with the magnitude of the
// summed terms, which cancellation can hide from the result.
struct Sums {
  std::vector<double> value, magnitude;
  explicit Sums(int64_t n) : value(static_cast<size_t>(n)), magnitude(static_cast<size_t>(n)) {}
  void add(int64_t i, double term) {
    value[i] += term;
    magnitude[i] += std::fabs(term);
  }
};

void expect_near_all(const Tensor& actual, const Sums& expected, const char* what) {
  ASSERT_EQ(actual.size(), static_cast<int64_t>(expected.value.size())) << what;
  for (size_t i = 0; i < expected.value.size(); ++i)
    ASSERT_NEAR(actual.f32()[i], expected.value[i], 1e-5 + 1e-6 * expected.magnitude[i])
        << what << " [" << i << "]";
}

// The direct loops' y (without the bias), dx and dw for the inputs and the output gradient of `r`.
struct ReferenceSums {
  Sums y, dx, dw;
};

ReferenceSums reference_sums(const Params& p, const Shape& data, const Result& r) {
  const float* x = r.in[0].f32();
  const float* w = r.in[1].f32();
  const float* dy = r.out[1].f32();
  ReferenceSums sums{Sums(r.out[0].size()), Sums(r.in[0].size()), Sums(r.in[1].size())};
  for_each_term(p, geometry(p, data), [&](int64_t xi, int64_t wi, int64_t yi) {
    sums.y.add(yi, double(x[xi]) * w[wi]);
    sums.dx.add(xi, double(dy[yi]) * w[wi]);
    sums.dw.add(wi, double(dy[yi]) * x[xi]);
  });
  return sums;
}

// Compares forward and all gradients with the direct loops on the current route.
void check_route_against_reference(const Params& p, const Shape& data) {
  const Result r = run(p, data, 11);
  const Reference g = geometry(p, data);
  const float* dy = r.out[1].f32();
  ReferenceSums sums = reference_sums(p, data, r);
  Sums db(p.filters);
  const int64_t area = g.oh * g.ow;
  for (int64_t i = 0; i < r.out[0].size(); ++i) {
    const int64_t f = i / area % g.f;
    if (p.bias) sums.y.add(i, r.in[2].f32()[f]);
    db.add(f, dy[i]);
  }
  expect_near_all(r.out[0], sums.y, "y");
  expect_near_all(r.in_grad[0], sums.dx, "dx");
  expect_near_all(r.in_grad[1], sums.dw, "dw");
  if (p.bias) expect_near_all(r.in_grad[2], db, "dbias");
}

void check_against_reference(const Params& p, const Shape& data) {
  on_each_route([&] { check_route_against_reference(p, data); });
}

TEST(Convolution, MatchesDirectLoops) {
  check_against_reference({.kh = 3, .kw = 3, .filters = 4}, {2, 3, 6, 7});
  check_against_reference({.kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 2, .filters = 5}, {2, 3, 7, 6});
  check_against_reference({.kh = 3, .kw = 3, .ph = 2, .pw = 1, .dh = 2, .dw = 3, .filters = 4}, {1, 2, 8, 9});
  check_against_reference({.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 6, .groups = 3},
                          {2, 6, 5, 5});
  check_against_reference({.kh = 5, .kw = 5, .filters = 3, .bias = false}, {3, 1, 9, 9});
}

// Stride 1 with at least 8 channels per group takes the shifted-tap path.
TEST(Convolution, ShiftedTapsMatchDirectLoops) {
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {2, 8, 6, 7});
  check_against_reference({.kh = 3, .kw = 3, .filters = 5}, {2, 8, 6, 6});
  check_against_reference({.kh = 3, .kw = 2, .ph = 2, .pw = 1, .dh = 2, .dw = 2, .filters = 4}, {2, 8, 7, 6});
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 6, .groups = 2, .bias = false},
                          {2, 16, 5, 5});
  check_against_reference({.kh = 3, .kw = 1, .filters = 4}, {2, 8, 5, 4});
  // Enough work to run on several threads.
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 16}, {7, 16, 16, 16});
}

// Strides split the input into phase planes.
TEST(Convolution, StridedShiftedTapsMatchDirectLoops) {
  check_against_reference({.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 8}, {3, 8, 9, 8});
  check_against_reference({.kh = 3, .kw = 2, .sh = 2, .sw = 3, .ph = 1, .pw = 2, .filters = 5},
                          {2, 8, 10, 11});
  check_against_reference(
      {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 2, .pw = 2, .dh = 2, .dw = 2, .filters = 4}, {2, 8, 9, 9});
  check_against_reference({.kh = 5, .kw = 5, .sh = 3, .sw = 3, .ph = 2, .pw = 2, .filters = 4},
                          {2, 8, 11, 10});
  check_against_reference({.kh = 2, .kw = 2, .sh = 2, .sw = 2, .filters = 4, .bias = false}, {2, 8, 7, 7});
  check_against_reference({.kh = 1, .kw = 1, .sh = 2, .sw = 2, .filters = 6}, {2, 8, 7, 6});
  check_against_reference({.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 6, .groups = 2},
                          {2, 16, 6, 6});
  check_against_reference({.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 32},
                          {11, 16, 32, 32});
}

// Where the grid's discarded columns would waste vectors, the AVX-512
// forward reads an unrolled copy of each image instead: lenet's layers
// (8 of 12 and 24 of 28 columns kept), with padding, dilation and groups.
TEST(Convolution, UnrolledInputMatchesDirectLoops) {
  check_against_reference({.kh = 5, .kw = 5, .filters = 20}, {3, 1, 28, 28});
  check_against_reference({.kh = 5, .kw = 5, .filters = 50}, {3, 20, 12, 12});
  check_against_reference({.kh = 3, .kw = 3, .ph = 2, .pw = 1, .dh = 2, .dw = 3, .filters = 9}, {2, 5, 7, 9});
  check_against_reference({.kh = 5, .kw = 3, .ph = 1, .pw = 2, .filters = 6, .groups = 2, .bias = false},
                          {2, 4, 9, 6});
}

TEST(Convolution, PointwiseMatchesDirectLoops) {
  check_against_reference({.kh = 1, .kw = 1, .filters = 5}, {3, 8, 5, 6});
  check_against_reference({.kh = 1, .kw = 1, .filters = 5}, {3, 4, 5, 6});
  check_against_reference({.kh = 1, .kw = 1, .filters = 4, .groups = 2, .bias = false}, {2, 6, 3, 3});
  check_against_reference({.kh = 1, .kw = 1, .sh = 2, .sw = 2, .filters = 3}, {2, 4, 7, 7});
}

// Channel counts around the AVX-512 tiles (up to 6, 8 or 12 rows by 4, 3 or
// 2 vectors of positions forward and for dx; for dw, 4 to 16 rows of
// channels, or of taps where channels are few, by 16 to 64 filters), odd
// sizes that leave partial vectors, kernels 1, 3 and 5 with pads 0 to 2, and
// groups.
TEST(Convolution, TileEdgesMatchDirectLoops) {
  const int channels[] = {1, 3, 13, 16, 17, 33, 64};
  const int kernels[] = {1, 3, 5};
  int case_index = 0;
  for (const int c : channels)
    for (const int f : channels) {
      const int k = kernels[case_index % 3], pad = case_index / 3 % 3;
      const int groups = c % 2 == 0 && f % 2 == 0 && case_index % 2 ? 2 : 1;
      // Sizes from 5 to 35, smaller for the larger channel counts to bound
      // the direct loops' work.
      int size = 5 + case_index * 7 % 31;
      while (size > 5 && int64_t{c} * f * k * k * size * size > (int64_t{1} << 22)) --size;
      SCOPED_TRACE(::testing::Message() << "channels " << c << ", filters " << f << ", kernel " << k << ", pad "
                                        << pad << ", groups " << groups << ", size " << size);
      check_against_reference({.kh = k, .kw = k, .ph = pad, .pw = pad, .filters = f, .groups = groups},
                              {2, c, size, size + 2});
      ++case_index;
    }
}

// The largest error of y, dx and dw on the current route, relative to the sum
// of the magnitudes of each element's terms (the float32 rounding scale).
double largest_relative_error(const Params& p, const Shape& data) {
  const Result r = run(p, data, 23);
  const ReferenceSums sums = reference_sums(p, data, r);
  double largest = 0;
  const auto compare = [&](const Tensor& actual, const Sums& expected) {
    for (size_t i = 0; i < expected.value.size(); ++i)
      if (expected.magnitude[i] > 0)
        largest = std::max(largest, std::fabs(actual.f32()[i] - expected.value[i]) / expected.magnitude[i]);
  };
  compare(r.out[0], sums.y);
  compare(r.in_grad[0], sums.dx);
  compare(r.in_grad[1], sums.dw);
  return largest;
}

// Winograd's rounding against direct convolution's, on resnet-20's 3x3 layers:
// both within a few float epsilons (1.19e-7) of the terms' magnitude.
TEST(Convolution, WinogradErrorStaysNearDirect) {
  if (!cpu::convolution_avx512()) GTEST_SKIP() << "Winograd runs on the AVX-512 route, which this CPU lacks";
  const bool default_winograd = cpu::convolution_winograd();
  struct Layer {
    int channels, size;
  };
  for (const Layer layer : {Layer{16, 28}, Layer{32, 14}, Layer{64, 7}}) {
    const Params p{.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = layer.channels, .bias = false};
    const Shape data{2, layer.channels, layer.size, layer.size};
    cpu::set_convolution_winograd(false);
    const double direct = largest_relative_error(p, data);
    cpu::set_convolution_winograd(true);
    const double winograd = largest_relative_error(p, data);
    std::cout << "[ measured ] " << layer.channels << " channels, " << layer.size << "x" << layer.size
              << ": largest error / term magnitude, direct " << direct << ", Winograd " << winograd << "\n";
    EXPECT_LT(direct, 1e-6);
    EXPECT_LT(winograd, 1e-6);
  }
  cpu::set_convolution_winograd(default_winograd);
}

// Rows wider than one vector of 16 tiles (32 outputs), and planes larger than a chunk's cache budget.
TEST(Convolution, WideWinogradRowsMatchDirectLoops) {
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {2, 8, 6, 70});
  check_against_reference({.kh = 3, .kw = 3, .filters = 9}, {1, 8, 5, 37});
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {1, 8, 67, 67});
}

// Tile rows of at most 7 tiles, R = 16 / tiles_w of them per vector: 5 tiles
// (R = 3) in 7 tile rows, 7 tiles in 3 rows, 2 tiles in 2 rows, odd sizes.
TEST(Convolution, NarrowWinogradPlanesMatchDirectLoops) {
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {2, 8, 13, 9});
  check_against_reference({.kh = 3, .kw = 3, .ph = 2, .pw = 2, .filters = 10}, {2, 9, 2, 9});
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8, .bias = false}, {3, 8, 3, 3});
  // Tile rows of 8 tiles (CIFAR's 16x16 stage): two tile rows per vector, an
  // odd count of tile rows, and no padding.
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {2, 8, 16, 16});
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 9}, {2, 8, 13, 15});
  check_against_reference({.kh = 3, .kw = 3, .filters = 8, .bias = false}, {1, 10, 18, 17});
}

TEST(Convolution, ChunkedBatchMatchesDirectLoops) {
  // Few channels take im2col; the batch is cut into chunks, the last one smaller.
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 16}, {19, 4, 32, 32});
  // An image too large for the cache budget is a chunk of its own.
  check_against_reference({.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {3, 4, 112, 112});
  check_against_reference({.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 8},
                          {9, 4, 32, 32});
}

// Each gradient requested alone: the others keep their values, and it
// matches the one computed with all three (to rounding: on Winograd layers a
// bias gradient alone is summed directly rather than from the transformed tiles).
TEST(Convolution, NullRequestLeavesGradientAlone) {
  struct Case {
    Params p;
    Shape data;
  };
  const Case cases[] = {{{.kh = 3, .kw = 3, .filters = 4}, {2, 3, 6, 6}},
                        {{.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}, {2, 8, 6, 7}}};
  on_each_route([&] {
    for (const Case& c : cases) {
      const Result full = run(c.p, c.data, 5);
      for (size_t requested = 0; requested < full.in.size(); ++requested) {
        SCOPED_TRACE(::testing::Message() << c.data[1] << " channels, gradient " << requested << " alone");
        std::vector<GradReq> req(full.in.size(), GradReq::Null);
        req[requested] = GradReq::Write;
        const Result partial = run(c.p, c.data, 5, req);
        for (size_t i = 0; i < full.in.size(); ++i)
          for (int64_t j = 0; j < full.in_grad[i].size(); ++j) {
            const float got = partial.in_grad[i].f32()[j];
            if (i != requested)
              ASSERT_EQ(got, 42.0f);
            else
              ASSERT_NEAR(got, full.in_grad[i].f32()[j], 1e-5f * (1.0f + std::fabs(got)));
          }
      }
    }
  });
}

TEST(Convolution, GradientBasic) {
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .filters = 3}.attrs(),
                 {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}});
}

TEST(Convolution, GradientStridePad) {
  check_gradient("Convolution",
                 Params{.kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 2, .filters = 3}.attrs(),
                 {{2, 2, 5, 4}, {3, 2, 3, 2}, {3}});
}

TEST(Convolution, GradientDilate) {
  check_gradient("Convolution",
                 Params{.kh = 2, .kw = 3, .ph = 1, .pw = 1, .dh = 2, .dw = 2, .filters = 2}.attrs(),
                 {{1, 2, 6, 6}, {2, 2, 2, 3}, {2}});
}

TEST(Convolution, GradientGroups) {
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 4, .groups = 2}.attrs(),
                 {{2, 4, 4, 4}, {4, 2, 3, 3}, {4}});
}

TEST(Convolution, GradientNoBias) {
  check_gradient("Convolution",
                 Params{.kh = 2, .kw = 2, .sh = 2, .sw = 2, .filters = 3, .bias = false}.attrs(),
                 {{2, 3, 5, 5}, {3, 3, 2, 2}});
}

TEST(Convolution, GradientShiftedTaps) {
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 3}.attrs(),
                 {{2, 8, 4, 4}, {3, 8, 3, 3}, {3}});
  check_gradient("Convolution", Params{.kh = 2, .kw = 3, .filters = 2, .bias = false}.attrs(),
                 {{2, 8, 4, 5}, {2, 8, 2, 3}});
  check_gradient(
      "Convolution",
      Params{.kh = 3, .kw = 3, .ph = 2, .pw = 1, .dh = 2, .dw = 2, .filters = 4, .groups = 2}.attrs(),
      {{1, 16, 5, 5}, {4, 8, 3, 3}, {4}});
}

// 3x3 stride-1 layers with 8 channels in and out or more take Winograd for y, dx and dw.
TEST(Convolution, GradientWinograd) {
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .ph = 1, .pw = 1, .filters = 8}.attrs(),
                 {{2, 8, 5, 4}, {8, 8, 3, 3}, {8}});
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .filters = 9, .bias = false}.attrs(),
                 {{1, 8, 5, 6}, {9, 8, 3, 3}});
  check_gradient("Convolution", Params{.kh = 3, .kw = 3, .ph = 2, .pw = 1, .filters = 8}.attrs(),
                 {{1, 10, 3, 4}, {8, 10, 3, 3}, {8}});
}

TEST(Convolution, GradientStridedShiftedTaps) {
  check_gradient("Convolution",
                 Params{.kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .filters = 3}.attrs(),
                 {{2, 8, 5, 5}, {3, 8, 3, 3}, {3}});
  check_gradient("Convolution",
                 Params{.kh = 2, .kw = 3, .sh = 2, .sw = 3, .ph = 1, .dw = 2, .filters = 2}.attrs(),
                 {{1, 8, 6, 7}, {2, 8, 2, 3}, {2}});
}

TEST(Convolution, GradientPointwise) {
  check_gradient("Convolution", Params{.kh = 1, .kw = 1, .filters = 3}.attrs(),
                 {{2, 8, 3, 3}, {3, 8, 1, 1}, {3}});
  check_gradient("Convolution", Params{.kh = 1, .kw = 1, .filters = 3}.attrs(),
                 {{3, 4, 3, 3}, {3, 4, 1, 1}, {3}});
}

TEST(Convolution, DefaultsAndIgnoredHints) {
  auto op = create_operator("Convolution", {{"kernel", "(3, 3)"},
                                            {"num_filter", "8"},
                                            {"workspace", "1024"},
                                            {"cudnn_tune", "fastest"},
                                            {"cudnn_off", "True"},
                                            {"layout", "None"}});
  EXPECT_EQ(op->arguments(), (std::vector<std::string>{"data", "weight", "bias"}));
  std::vector<Shape> in = {{4, 3, 10, 12}, {}, {}}, out(1), aux;
  op->infer_shape(in, out, aux);
  EXPECT_EQ(in[1], (Shape{8, 3, 3, 3}));
  EXPECT_EQ(in[2], (Shape{8}));
  EXPECT_EQ(out[0], (Shape{4, 8, 8, 10}));
}

std::string infer_error(const Attrs& attrs, std::vector<Shape> in) {
  return test::error_message([&] {
    auto op = create_operator("Convolution", attrs);
    std::vector<Shape> out(1), aux;
    op->infer_shape(in, out, aux);
  });
}

TEST(Convolution, ShapeErrorsNameBothShapes) {
  const Attrs attrs = {{"kernel", "(5, 5)"}, {"num_filter", "20"}};
  EXPECT_EQ(infer_error(attrs, {{8, 3, 28, 28}, {20, 1, 5, 5}, {}}),
            "weight shape (20, 1, 5, 5) does not match expected (20, 3, 5, 5) "
            "(num_filter, channels / num_group, kernel height, kernel width)");
  EXPECT_EQ(infer_error(attrs, {{8, 3, 28, 28}, {}, {10}}),
            "bias shape (10,) does not match expected (20,) (num_filter,)");
  EXPECT_NE(infer_error(attrs, {{8, 28, 28}, {}, {}}).find("(8, 28, 28) is not 4-D"), std::string::npos);
  EXPECT_NE(infer_error(attrs, {{8, 3, 4, 28}, {}, {}}).find("does not fit data shape (8, 3, 4, 28)"),
            std::string::npos);
  EXPECT_NE(
      infer_error({{"kernel", "(3, 3)"}, {"num_filter", "4"}, {"num_group", "2"}}, {{1, 3, 8, 8}, {}, {}})
          .find("3 channels, which num_group 2 does not divide"),
      std::string::npos);
}

TEST(Convolution, AttributeErrors) {
  auto make = [](const Attrs& a) { return test::error_message([&] { create_operator("Convolution", a); }); };
  EXPECT_NE(make({{"kernel", "(3, 3, 3)"}, {"num_filter", "4"}}).find("2-D kernels only"), std::string::npos);
  EXPECT_NE(make({{"kernel", "(3,)"}, {"num_filter", "4"}}).find("is 1-D"), std::string::npos);
  EXPECT_NE(make({{"num_filter", "4"}}).find("'kernel'"), std::string::npos);
  EXPECT_NE(make({{"kernel", "(3, 3)"}}).find("'num_filter'"), std::string::npos);
  EXPECT_NE(make({{"kernel", "(3, 3)"}, {"num_filter", "4"}, {"layout", "NHWC"}}).find("NCHW only"),
            std::string::npos);
  EXPECT_NE(make({{"kernel", "(3, 3)"}, {"num_filter", "5"}, {"num_group", "2"}}).find("not divisible"),
            std::string::npos);
  EXPECT_NE(make({{"kernel", "(3, 3)"}, {"num_filter", "4"}, {"stride", "(0, 1)"}}).find("at least 1"),
            std::string::npos);
  EXPECT_NE(make({{"kernel", "(3, 3)"}, {"num_filter", "4"}, {"bogus", "1"}}).find("no attribute 'bogus'"),
            std::string::npos);
}

}  // namespace
}  // namespace fitbench
