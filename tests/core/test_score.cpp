// Scoring and prediction: evaluate() on a hand-made Gluon-style export with a
// known result, and the fitbench-score / fitbench-predict / fine-tuning
// command lines on a checkpoint fitbench-cli trains on Fashion-MNIST.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>

#include <nlohmann/json.hpp>

#include "file_test_util.h"
#include "run_program.h"
#include "fitbench/evaluate.h"
#include "fitbench/file_util.h"
#include "fitbench/image_codec.h"

using namespace fitbench;
using fitbench::test::TempDir;

namespace {

// Gluon's export of Dense(3): no loss head, __shape__ with the unknown input width as 0.
const char* kGluonDense = R"json({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "dense0_weight", "attrs": {"__dtype__": "0", "__lr_mult__": "1.0",
     "__shape__": "(3, 0)", "__storage_type__": "0", "__wd_mult__": "1.0"}, "inputs": []},
    {"op": "null", "name": "dense0_bias", "attrs": {"__dtype__": "0", "__init__": "zeros", "__lr_mult__": "1.0",
     "__shape__": "(3,)", "__storage_type__": "0", "__wd_mult__": "1.0"}, "inputs": []},
    {"op": "FullyConnected", "name": "dense0_fwd", "attrs": {"flatten": "True", "no_bias": "False",
     "num_hidden": "3"}, "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]}
  ],
  "arg_nodes": [0, 1, 2], "node_row_ptr": [0, 1, 2, 3, 4], "heads": [[3, 0, 0]],
  "attrs": {"mxnet_version": ["int", 10901]}
})json";

// Sample i is the one-hot vector of predicted[i]; the weights are 2 x identity,
// so the model predicts predicted[i] with probability e^2 / (e^2 + 2).
const std::vector<int> kPredicted{0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
const std::vector<int> kLabels{0, 1, 2, 0, 2, 2, 1, 1, 0, 0};  // wrong at 4, 6 and 8

Checkpoint write_and_load_gluon_model(const TempDir& dir) {
  std::ofstream(dir.file("dense-symbol.json")) << kGluonDense;
  Tensor weight = Tensor::zeros(Shape{3, 3});
  for (int c = 0; c < 3; ++c) weight.f32()[c * 3 + c] = 2.0f;
  save_ndarray_list(dir.file("dense-0000.params"),
                    {{"arg:dense0_weight", "arg:dense0_bias"}, {weight, Tensor::zeros(Shape{3})}});
  return load_model(dir.file("dense-symbol.json"), dir.file("dense-0000.params"));
}

std::unique_ptr<DataIter> one_hot_data(int batch_size) {
  const auto n = static_cast<int64_t>(kPredicted.size());
  Tensor data = Tensor::zeros(Shape{n, 1, 1, 3});
  Tensor label(Shape{n});
  for (int64_t i = 0; i < n; ++i) {
    data.f32()[i * 3 + kPredicted[static_cast<size_t>(i)]] = 1.0f;
    label.f32()[i] = static_cast<float>(kLabels[static_cast<size_t>(i)]);
  }
  return make_ndarray_iter(data, label, batch_size, false, 0);
}

}  // namespace

TEST(Evaluate, GluonStyleExportScoresAsConstructed) {
  TempDir dir;
  const Checkpoint model = write_and_load_gluon_model(dir);
  auto data = one_hot_data(4);  // 3 batches, the last padded by 2
  EvaluateOptions options;
  options.metrics = {"acc", "top_k_accuracy", "ce"};
  options.top_k = 2;
  std::vector<std::pair<int64_t, int64_t>> progress;
  options.progress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
  const EvaluateResult r = evaluate(model, *data, options);

  ASSERT_EQ(r.metrics.size(), 3u);
  EXPECT_EQ(r.metrics[0].first, "accuracy");
  EXPECT_DOUBLE_EQ(r.metrics[0].second, 0.7);
  EXPECT_EQ(r.metrics[1].first, "top_k_accuracy_2");
  // A wrong sample's label ties with the third class. Of two tied classes out of
  // three, numpy's argpartition (MXNet's top k) keeps the higher index: samples
  // 6 (label 1, tied with 2) and 8 (label 0, tied with 1) miss the top 2, as in
  // MXNet 1.9.1 on these probabilities.
  EXPECT_DOUBLE_EQ(r.metrics[1].second, 0.8);
  const double e2 = std::exp(2.0);
  const double ce = (7 * -std::log(e2 / (e2 + 2)) + 3 * -std::log(1 / (e2 + 2))) / 10;
  EXPECT_EQ(r.metrics[2].first, "cross-entropy");
  EXPECT_NEAR(r.metrics[2].second, ce, 1e-5);

  EXPECT_EQ(r.num_samples, 10);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.num_classes, 3);
  EXPECT_EQ(r.confusion, (std::vector<std::vector<int64_t>>{{3, 0, 1}, {1, 2, 0}, {0, 1, 2}}));
  EXPECT_EQ(r.class_counts, (std::vector<int64_t>{4, 3, 3}));
  EXPECT_DOUBLE_EQ(r.per_class_accuracy[0], 0.75);
  EXPECT_DOUBLE_EQ(r.per_class_accuracy[1], 2.0 / 3.0);
  EXPECT_EQ(r.misclassified[0][2], (std::vector<int64_t>{8}));
  EXPECT_EQ(r.misclassified[1][0], (std::vector<int64_t>{6}));
  EXPECT_EQ(r.misclassified[2][1], (std::vector<int64_t>{4}));
  EXPECT_TRUE(r.misclassified[0][0].empty());
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 3}, {3, 3}}));
}

TEST(Evaluate, StopFlagEndsThePassAtABatchBoundary) {
  TempDir dir;
  const Checkpoint model = write_and_load_gluon_model(dir);
  auto data = one_hot_data(4);
  std::atomic<bool> stop{false};
  EvaluateOptions options;
  options.stop = &stop;
  options.progress = [&](int64_t, int64_t) { stop = true; };
  const EvaluateResult r = evaluate(model, *data, options);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.num_samples, 4);
  EXPECT_DOUBLE_EQ(r.metrics[0].second, 1.0);  // samples 0-3 are all right
}

TEST(Evaluate, MaxExamplesAndClassCountChecks) {
  TempDir dir;
  const Checkpoint model = write_and_load_gluon_model(dir);
  auto data = one_hot_data(4);
  EvaluateOptions options;
  options.max_examples = 5;
  const EvaluateResult r = evaluate(model, *data, options);
  EXPECT_EQ(r.num_samples, 5);
  EXPECT_DOUBLE_EQ(r.metrics[0].second, 0.8);  // sample 4 is wrong
  options.num_classes = 10;
  const std::string msg = fitbench::test::error_message([&] { evaluate(model, *data, options); });
  EXPECT_NE(msg.find("predicts 3 classes"), std::string::npos) << msg;
}

TEST(Predict, TopClassesBestFirstTiesByIndex) {
  Tensor probs(Shape{1, 4});
  const float p[] = {0.1f, 0.4f, 0.1f, 0.4f};
  std::copy(p, p + 4, probs.f32());
  const auto top = top_classes(probs, 0, 3);
  EXPECT_EQ(top, (std::vector<std::pair<int, float>>{{1, 0.4f}, {3, 0.4f}, {0, 0.1f}}));
  EXPECT_EQ(top_classes(probs, 0, 9).size(), 4u);
}

// A diverged model's NaN outputs rank first, as the accuracy metric's argmax ranks them.
TEST(Predict, TopClassesRankNanFirst) {
  Tensor probs(Shape{1, 4});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float p[] = {0.3f, nan, 0.6f, nan};
  std::copy(p, p + 4, probs.f32());
  const auto top = top_classes(probs, 0, 4);
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_EQ(top[1].first, 3);
  EXPECT_EQ(top[2], (std::pair<int, float>{2, 0.6f}));
  EXPECT_EQ(top[3], (std::pair<int, float>{0, 0.3f}));
}

TEST(Predict, SynsetNamesOneALine) {
  TempDir dir;
  std::ofstream(dir.file("synset.txt")) << "n01440764 tench, Tinca tinca\r\nn01443537 goldfish\n\n";
  EXPECT_EQ(load_synset(dir.file("synset.txt")),
            (std::vector<std::string>{"n01440764 tench, Tinca tinca", "n01443537 goldfish"}));
}

// The command lines, on an mlp fitbench-cli trains for one epoch on 2000 samples.
class ScoreCli : public ::testing::Test {
 protected:
  using Result = test::ProgramResult;
  static Result run(const std::string& program, const std::string& args) { return test::run_program(program, args); }
  static std::string images(const char* stem) { return default_fashion_mnist_dir() + "/" + stem + "-images-idx3-ubyte.gz"; }

  static void SetUpTestSuite() {
    if (!std::filesystem::exists(images("t10k"))) return;
    dir_ = new TempDir;
    training_ = new Result(run(FITBENCH_CLI_PATH, "--network mlp --num-examples 2000 --num-epochs 1 --model-prefix " +
                                                      prefix() + " --run-dir " + dir_->file("run")));
  }
  static void TearDownTestSuite() {
    delete training_;
    delete dir_;
  }
  void SetUp() override {
    if (!dir_) GTEST_SKIP() << "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)";
    ASSERT_EQ(training_->code, 0) << training_->output;
  }
  static std::string prefix() { return dir_->file("mlp"); }

  static TempDir* dir_;
  static Result* training_;
};
TempDir* ScoreCli::dir_ = nullptr;
ScoreCli::Result* ScoreCli::training_ = nullptr;

TEST_F(ScoreCli, ReportsTheTrainingRunsValidationAccuracy) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(training_->output, m, std::regex(R"(Validation-accuracy=([0-9.]+))")));
  const double trained = std::stod(m[1]);
  const Result r = run(FITBENCH_SCORE_PATH, "--model-prefix " + prefix() + " --load-epoch 1 --data-val " +
                                                images("t10k") + " --output json --metrics acc,ce");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_NEAR(j["metrics"]["accuracy"].get<double>(), trained, 5e-7);
  EXPECT_TRUE(j["metrics"].contains("cross-entropy"));
  EXPECT_EQ(j["num_samples"], 10000);
  int64_t total = 0, diagonal = 0;
  for (size_t t = 0; t < 10; ++t)
    for (size_t p = 0; p < 10; ++p) {
      total += j["confusion"][t][p].get<int64_t>();
      if (t == p) diagonal += j["confusion"][t][p].get<int64_t>();
      else EXPECT_EQ(j["misclassified"][t][p].size(), j["confusion"][t][p].get<size_t>());
    }
  EXPECT_EQ(total, 10000);
  EXPECT_NEAR(double(diagonal) / 10000, trained, 5e-7);

  // score.py's lines.
  const Result text = run(FITBENCH_SCORE_PATH, "--model-prefix " + prefix() + " --load-epoch 1 --data-val " +
                                                   images("t10k") + " --num-examples 1000");
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_TRUE(std::regex_search(text.output, std::regex(R"(Finished with [0-9.]+ images per second\n)"))) << text.output;
  EXPECT_TRUE(std::regex_search(text.output, std::regex(R"(\('accuracy', 0\.[0-9]+\)\n\('top_k_accuracy_5', )")))
      << text.output;
  EXPECT_NE(text.output.find("Scored 1000 samples"), std::string::npos) << text.output;
}

TEST_F(ScoreCli, NamesMismatchedParametersAndRefusesGpus) {
  const Result r = run(FITBENCH_SCORE_PATH, "--symbol " FITBENCH_SOURCE_DIR "/tests/data/mxnet/lenet-symbol.json "
                                            "--params " + params_path(prefix(), 1) + " --data-val " + images("t10k"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(params_path(prefix(), 1) + " does not match the network"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing from the file: arg:convolution0_weight, arg:convolution0_bias"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not in the network: arg:fc1_bias"), std::string::npos) << r.output;
  // No machine has a gpu(99); a build without CUDA refuses any --gpus.
  // An epoch that was not saved: the ones that were.
  const Result absent = run(FITBENCH_SCORE_PATH, "--model-prefix " + prefix() + " --load-epoch 7");
  EXPECT_EQ(absent.code, 2);
  EXPECT_NE(absent.output.find("argument --load-epoch: " + params_path(prefix(), 7) + " does not exist (epochs saved "
                                                                                      "under " + prefix() + ": 1)"),
            std::string::npos)
      << absent.output;
  const Result gpus = run(FITBENCH_SCORE_PATH, "--model-prefix " + prefix() + " --load-epoch 1 --gpus 99");
  EXPECT_EQ(gpus.code, 2);
  EXPECT_NE(gpus.output.find("--gpus 99: "), std::string::npos) << gpus.output;
}

TEST_F(ScoreCli, PredictPrintsTheTopClasses) {
  TempDir names;
  std::ofstream(names.file("synset.txt")) << "T-shirt\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\nSneaker\nBag\n"
                                             "Ankle boot\n";
  const Result r = run(FITBENCH_PREDICT_PATH, "--model-prefix " + prefix() + " --load-epoch 1 --top-k 3 --synset " +
                                                  names.file("synset.txt") + " " + images("t10k") + ":0-1");
  ASSERT_EQ(r.code, 0) << r.output;
  // Sample 0 of the test set is an ankle boot, sample 1 a pullover.
  EXPECT_NE(r.output.find("t10k-images-idx3-ubyte.gz:0  (label 9 Ankle boot)\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("t10k-images-idx3-ubyte.gz:1  (label 2 Pullover)\n"), std::string::npos) << r.output;
  std::smatch m;
  std::string rest = r.output;
  std::vector<double> probs;
  while (std::regex_search(rest, m, std::regex(R"(\n  ([0-9.]+)  [0-9])"))) {
    probs.push_back(std::stod(m[1]));
    rest = m.suffix();
  }
  ASSERT_EQ(probs.size(), 6u) << r.output;
  for (size_t i : {0u, 3u}) {
    EXPECT_GE(probs[i], probs[i + 1]);
    EXPECT_GE(probs[i + 1], probs[i + 2]);
    EXPECT_LE(probs[i] + probs[i + 1] + probs[i + 2], 1.0 + 1e-5);
  }
  const Result bad = run(FITBENCH_PREDICT_PATH, "--model-prefix " + prefix() + " --load-epoch 1 " + images("t10k") +
                                                    ":9999-10000");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("holds 10000 samples"), std::string::npos) << bad.output;
}

TEST_F(ScoreCli, PredictOnAPngGivesWhatTheIdxSampleGives) {
  // Test sample 0 written as an 8-bit gray PNG: the same pixels, so the same input after / 255.
  const IdxDataset test = load_idx(images("t10k"), default_fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
  Image png(28, 28, 1);
  for (size_t i = 0; i < png.pixels.size(); ++i) png.pixels[i] = static_cast<uint8_t>(std::lround(test.images.f32()[i] * 255));
  TempDir files;
  std::ofstream(files.file("boot.png"), std::ios::binary) << encode_png(png, 6);
  const Result from_idx = run(FITBENCH_PREDICT_PATH, "--model-prefix " + prefix() + " --load-epoch 1 " + images("t10k") + ":0");
  const Result from_png = run(FITBENCH_PREDICT_PATH, "--model-prefix " + prefix() + " --load-epoch 1 " + files.file("boot.png"));
  ASSERT_EQ(from_idx.code, 0) << from_idx.output;
  ASSERT_EQ(from_png.code, 0) << from_png.output;
  // Without --synset, a model of the default data names Fashion-MNIST's classes.
  EXPECT_NE(from_idx.output.find(":0  (label 9 Ankle boot)\n"), std::string::npos) << from_idx.output;
  // Everything after each input's name line: the top classes and their probabilities.
  const auto classes = [](const std::string& out) { return out.substr(out.find('\n')); };
  EXPECT_EQ(classes(from_png.output), classes(from_idx.output)) << from_png.output << from_idx.output;

  const Result bad = run(FITBENCH_PREDICT_PATH, "--model-prefix " + prefix() + " --load-epoch 1 " + files.file("missing.png"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.output.find("missing.png"), std::string::npos) << bad.output;
}

TEST_F(ScoreCli, FineTuneWithOtherNumClassesReplacesTheLastLayer) {
  const std::string tune = "--network mlp --num-examples 500 --num-epochs 2 --load-epoch 1 --num-classes 12 ";
  // Saved under the prefix it loads, the new network would leave that prefix's epochs without theirs.
  const std::string symbol_before = read_file(symbol_path(prefix()));
  const Result same = run(FITBENCH_CLI_PATH, tune + "--model-prefix " + prefix());
  EXPECT_EQ(same.code, 2) << same.output;
  EXPECT_NE(same.output.find("argument --model-prefix: fine-tuning " + symbol_path(prefix()) + " for 12 classes"),
            std::string::npos)
      << same.output;
  EXPECT_NE(same.output.find("read this one with --load-prefix " + prefix()), std::string::npos) << same.output;
  EXPECT_EQ(read_file(symbol_path(prefix())), symbol_before);

  const std::string ft = dir_->file("ft");
  const Result r = run(FITBENCH_CLI_PATH, tune + "--load-prefix " + prefix() + " --model-prefix " + ft +
                                              " --run-dir " + dir_->file("ftrun"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("FullyConnected 'fc3' (10 outputs) is replaced by a new one with 12 outputs"),
            std::string::npos) << r.output;
  const Checkpoint tuned = load_checkpoint(ft, 2);
  EXPECT_EQ(tuned.arg_params.at("fc3_weight").shape(), (Shape{12, 64}));
  EXPECT_EQ(tuned.arg_params.at("fc2_weight").shape(), (Shape{64, 128}));
  // The kept layers start from the loaded values: one short epoch moves them only a little.
  const Checkpoint before = load_checkpoint(prefix(), 1);
  const Tensor& a = before.arg_params.at("fc1_weight");
  const Tensor& b = tuned.arg_params.at("fc1_weight");
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    diff += std::pow(double(a.f32()[i]) - b.f32()[i], 2);
    norm += std::pow(double(a.f32()[i]), 2);
  }
  EXPECT_LT(std::sqrt(diff / norm), 0.2);

  // Resumed, the fine-tuned checkpoint is its own network, whatever --network says.
  const Result resumed = run(FITBENCH_CLI_PATH, "--network lenet --num-examples 500 --num-epochs 3 --load-epoch 2 "
                                                "--num-classes 12 --model-prefix " + ft + " --run-dir " +
                                                dir_->file("ftrun2"));
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(symbol_path(ft) + " is not the network --network lenet makes"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(load_checkpoint(ft, 3).arg_params.at("fc3_weight").shape(), (Shape{12, 64}));
}
