#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "file_test_util.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using testing::check_gradient;
using testing::GradCheckOptions;

// Softmax over axis 1 of a (outer, classes, inner) view, with labels (outer, inner).
struct Layout {
  int64_t outer, classes, inner;
};

// Options for checking SoftmaxOutput against the cross-entropy it differentiates:
// sum over positions of -sum_c t_c log p_c, t the (smoothed) one-hot label, times
// `scale`; positions labelled `ignore` (when set) do not count.
GradCheckOptions cross_entropy(Layout l, double scale = 1.0, float alpha = 0.0f, int ignore = -1000) {
  auto labels = std::make_shared<Tensor>();
  GradCheckOptions opt;
  opt.skip_inputs = {1};
  opt.fill = [labels, l, ignore](std::vector<Tensor>& in, std::mt19937_64& rng) {
    for (int64_t i = 0; i < in[1].size(); ++i)
      in[1].f32()[i] = static_cast<float>(rng() % static_cast<uint64_t>(l.classes));
    if (ignore != -1000) in[1].f32()[0] = static_cast<float>(ignore);
    *labels = in[1];
  };
  opt.loss = [labels, l, scale, alpha, ignore](const Tensor& p, const Tensor&) {
    double loss = 0;
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t i = 0; i < l.inner; ++i) {
        const int k = static_cast<int>(labels->f32()[o * l.inner + i]);
        if (k == ignore) continue;
        for (int64_t c = 0; c < l.classes; ++c) {
          const double t = c == k ? 1.0 - alpha : alpha / static_cast<double>(l.classes - 1);
          loss -= t * std::log(static_cast<double>(p.f32()[(o * l.classes + c) * l.inner + i]));
        }
      }
    return scale * loss;
  };
  return opt;
}

TEST(SoftmaxOutputOp, GradientIsCrossEntropyGradient) {
  check_gradient("SoftmaxOutput", {}, {Shape{4, 5}, Shape{4}}, cross_entropy({4, 5, 1}));
}

TEST(SoftmaxOutputOp, GradScaleAndNormalization) {
  check_gradient("SoftmaxOutput", {{"grad_scale", "2.5"}}, {Shape{3, 4}, Shape{3}},
                 cross_entropy({3, 4, 1}, 2.5));
  check_gradient("SoftmaxOutput", {{"normalization", "batch"}}, {Shape{3, 4}, Shape{3}},
                 cross_entropy({3, 4, 1}, 1.0 / 3));
  check_gradient("SoftmaxOutput",
                 {{"normalization", "valid"}, {"use_ignore", "True"}, {"ignore_label", "-1"}},
                 {Shape{3, 4}, Shape{3}}, cross_entropy({3, 4, 1}, 1.0 / 2, 0.0f, -1));
  check_gradient("SoftmaxOutput", {{"use_ignore", "True"}, {"ignore_label", "2"}}, {Shape{5, 4}, Shape{5}},
                 cross_entropy({5, 4, 1}, 1.0, 0.0f, 2));
}

TEST(SoftmaxOutputOp, LabelSmoothing) {
  check_gradient("SoftmaxOutput", {{"smooth_alpha", "0.1"}}, {Shape{3, 4}, Shape{3}},
                 cross_entropy({3, 4, 1}, 1.0, 0.1f));
}

TEST(SoftmaxOutputOp, MultiOutputAndPreserveShape) {
  check_gradient("SoftmaxOutput", {{"multi_output", "True"}}, {Shape{2, 3, 4}, Shape{2, 4}},
                 cross_entropy({2, 3, 4}));
  check_gradient("SoftmaxOutput", {{"preserve_shape", "True"}}, {Shape{2, 3, 4}, Shape{2, 3}},
                 cross_entropy({6, 4, 1}));
  // Default mode flattens (N, d1, d2) to (N, d1 * d2).
  check_gradient("SoftmaxOutput", {}, {Shape{2, 3, 2}, Shape{2}}, cross_entropy({2, 6, 1}));
}

TEST(SoftmaxOutputOp, ForwardIsStableSoftmax) {
  auto op = create_operator("Softmax", {});
  EXPECT_TRUE(op->is_loss());
  Tensor x({2, 3});
  const float values[] = {1, 2, 3, 1000, 1000, -1000};
  std::copy(values, values + 6, x.f32());
  Tensor p = Tensor::zeros({2, 3});
  op->forward({}, {x, Tensor::zeros({2})}, {p}, {});
  const float expected[] = {0.09003057f, 0.24472847f, 0.66524096f, 0.5f, 0.5f, 0.0f};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(p.f32()[i], expected[i], 1e-6f) << i;
}

struct BackwardRun {
  Tensor dx = Tensor::full({3, 2}, 9.0f);
  Tensor dlabel = Tensor::full({3}, 9.0f);

  // Logits 0 give p = 0.5 everywhere; labels 0, 1, -1.
  BackwardRun(const Attrs& attrs, Tensor head = Tensor()) {
    auto op = create_operator("SoftmaxOutput", attrs);
    Tensor x = Tensor::zeros({3, 2}), label({3}), p = Tensor::zeros({3, 2});
    label.f32()[0] = 0, label.f32()[1] = 1, label.f32()[2] = -1;
    op->forward({true, nullptr, nullptr}, {x, label}, {p}, {});
    // The Executor gives a loss head no out_grad: an undefined tensor.
    op->backward({true, nullptr, nullptr}, {head}, {x, label}, {p}, {dx, dlabel},
                 {GradReq::Write, GradReq::Write}, {});
  }
  void expect(std::vector<float> expected) const {
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(dx.f32()[i], expected[static_cast<size_t>(i)], 1e-6f) << i;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(dlabel.f32()[i], 0.0f);
  }
};

TEST(SoftmaxOutputOp, NormalizationDivisors) {
  const Attrs ignore = {{"use_ignore", "True"}};
  BackwardRun(ignore).expect({-0.5f, 0.5f, 0.5f, -0.5f, 0, 0});
  Attrs batch = ignore;
  batch["normalization"] = "batch";
  batch["grad_scale"] = "3";
  BackwardRun(batch).expect({-0.5f, 0.5f, 0.5f, -0.5f, 0, 0});  // 3 / N with N = 3
  Attrs valid = ignore;
  valid["normalization"] = "valid";
  BackwardRun(valid).expect({-0.25f, 0.25f, 0.25f, -0.25f, 0, 0});  // two labels are not ignored
}

TEST(SoftmaxOutputOp, OutGradMultipliesElementwise) {
  Tensor head({3, 2});
  for (int i = 0; i < 6; ++i) head.f32()[i] = static_cast<float>(i + 1);
  BackwardRun({{"use_ignore", "True"}, {"out_grad", "True"}}, head).expect({-0.5f, 1.0f, 1.5f, -2.0f, 0, 0});
  // Without out_grad the head gradient is ignored.
  BackwardRun({{"use_ignore", "True"}}, head).expect({-0.5f, 0.5f, 0.5f, -0.5f, 0, 0});
}

TEST(SoftmaxOutputOp, LabelOutOfRangeIsAnError) {
  try {
    BackwardRun run({});  // label -1 without use_ignore
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label -1"), std::string::npos) << e.what();
  }
}

TEST(SoftmaxOutputOp, InfersLabelShape) {
  auto infer = [](const Attrs& attrs, Shape data, Shape label = {}) {
    auto op = create_operator("SoftmaxOutput", attrs);
    EXPECT_EQ(op->arguments(), (std::vector<std::string>{"data", "label"}));
    std::vector<Shape> in{data, label}, out(1), aux;
    op->infer_shape(in, out, aux);
    EXPECT_EQ(out[0], data);
    return in[1];
  };
  EXPECT_EQ(infer({}, Shape{8, 10}), Shape{8});
  EXPECT_EQ(infer({}, Shape{8, 2, 5}), Shape{8});
  EXPECT_EQ(infer({{"preserve_shape", "True"}}, Shape{8, 2, 5}), (Shape{8, 2}));
  EXPECT_EQ(infer({{"multi_output", "True"}}, Shape{8, 3, 4, 5}), (Shape{8, 20}));
  EXPECT_EQ(infer({{"multi_output", "True"}}, Shape{8, 3, 4, 5}, Shape{8, 4, 5}), (Shape{8, 4, 5}));
  EXPECT_EQ(infer({{"multi_output", "True"}}, Shape{8, 3, 4, 5}, Shape{8, 1, 4, 5}), (Shape{8, 1, 4, 5}));
}

TEST(SoftmaxOutputOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("SoftmaxOutput", {});
  std::vector<Shape> in{Shape{8, 10}, Shape{10}}, out(1), aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("(8, 10)"), HasSubstr("(10,)")));
  in = {Shape{8}, Shape{}};
  EXPECT_THROW(op->infer_shape(in, out, aux), Error);
}

TEST(SoftmaxOutputOp, AttributeChecks) {
  EXPECT_THROW(create_operator("SoftmaxOutput", {{"normalization", "mean"}}), Error);
  EXPECT_THROW(create_operator("SoftmaxOutput", {{"smooth_alpha", "1"}}), Error);
  EXPECT_THROW(create_operator("SoftmaxOutput", {{"axis", "1"}}), Error);
}

}  // namespace
}  // namespace fitbench
