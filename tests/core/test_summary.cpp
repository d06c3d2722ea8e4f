// --summary: per-layer shapes and parameter counts, and totals checked against
// counts made independently (by hand, by MXNet 1.9.1's infer_shape on the
// reference symbols, and by torchvision where the architecture is the same).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "file_test_util.h"
#include "fitbench/fit.h"
#include "fitbench/models.h"

using namespace fitbench;

namespace {

using ::testing::HasSubstr;

int64_t total(const std::string& network, NetworkConfig config) {
  const Symbol s = build_network(network, config);
  std::vector<int64_t> dims{2};
  dims.insert(dims.end(), config.image_shape.begin(), config.image_shape.end());
  return summarize_network(s, {{"data", Shape(dims)}}).total_params;
}

// Pre-activation bottleneck resnet-50 counted layer by layer (BatchNorm: gamma
// and beta; convolutions without bias).
int64_t resnet50_by_hand(int64_t classes) {
  int64_t n = 2 * 3 + 64 * 3 * 7 * 7 + 2 * 64;  // bn_data, conv0, bn0
  const int64_t units[] = {3, 4, 6, 3}, filters[] = {256, 512, 1024, 2048};
  int64_t in = 64;
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t f = filters[stage], inner = f / 4;
    for (int64_t u = 0; u < units[stage]; ++u) {
      n += 2 * in + in * inner + 2 * inner + inner * inner * 9 + 2 * inner + inner * f;
      if (u == 0) n += in * f;  // the 1x1 projection shortcut
      in = f;
    }
  }
  return n + 2 * 2048 + 2048 * classes + classes;  // bn1, fc1
}

TEST(NetworkSummary, MlpLayersAndTotal) {
  const NetworkSummary s = summarize_network(build_network("mlp", {}), {{"data", Shape{64, 1, 28, 28}}});
  ASSERT_EQ(s.layers.size(), 7u);
  EXPECT_EQ(s.layers[0].name, "flatten0");
  EXPECT_EQ(s.layers[0].output, (Shape{64, 784}));
  EXPECT_EQ(s.layers[1].name, "fc1");
  EXPECT_EQ(s.layers[1].op, "FullyConnected");
  EXPECT_EQ(s.layers[1].params, 784 * 128 + 128);
  EXPECT_EQ(s.layers[2].params, 0);
  EXPECT_EQ(s.layers[6].name, "softmax");
  EXPECT_EQ(s.layers[6].params, 0) << "the label is fed, not learned";
  EXPECT_EQ(s.total_params, 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
}

TEST(NetworkSummary, LenetTotalByHand) {
  EXPECT_EQ(total("lenet", {10, 0, {1, 28, 28}}),
            (20 * 1 * 5 * 5 + 20) + (50 * 20 * 5 * 5 + 50) + (500 * 50 * 4 * 4 + 500) + (10 * 500 + 10));
}

TEST(NetworkSummary, ResnetCountsLearnableArgumentsOnly) {
  // 25,549,486: MXNet's own count for the same symbol. torchvision's resnet50
  // (25,557,032) is post-activation and differs in its batch norms.
  EXPECT_EQ(resnet50_by_hand(1000), 25549486);
  EXPECT_EQ(total("resnet", {1000, 50, {3, 224, 224}}), resnet50_by_hand(1000));
}

TEST(NetworkSummary, VggMatchesTorchvision) {
  EXPECT_EQ(total("vgg", {1000, 16, {3, 224, 224}}), 138357544);  // torchvision vgg16
  EXPECT_EQ(total("vgg", {1000, 11, {3, 224, 224}}), 132863336);  // vgg11
  EXPECT_EQ(total("vgg", {1000, 13, {3, 224, 224}}), 133047848);  // vgg13
  EXPECT_EQ(total("vgg", {1000, 19, {3, 224, 224}}), 143667240);  // vgg19
  NetworkConfig bn{10, 19, {3, 224, 224}};
  bn.batch_norm = true;
  EXPECT_EQ(total("vgg", bn), 139622218);  // vgg19_bn(num_classes=10)
}

TEST(NetworkSummary, AlexnetByHand) {
  // MXNet's single-tower AlexNet (not torchvision's 64-192-384-256-256 one):
  // 224 -> conv1 11/4 -> 54 -> pool 26 -> conv2 -> pool 12 -> conv3..5 -> pool 5.
  const int64_t expected = (96 * 3 * 11 * 11 + 96) + (256 * 96 * 5 * 5 + 256) + (384 * 256 * 9 + 384) +
                           (384 * 384 * 9 + 384) + (256 * 384 * 9 + 256) + (4096 * 256 * 5 * 5 + 4096) +
                           (4096 * 4096 + 4096) + (1000 * 4096 + 1000);
  EXPECT_EQ(expected, 50844008);
  EXPECT_EQ(total("alexnet", {1000, 0, {3, 224, 224}}), expected);
}

TEST(NetworkSummary, MobilenetMatchesKeras) {
  // Keras' MobileNet(alpha=1.0) lists 4,231,976 trainable parameters; MXNet
  // counts the same (gamma stays an argument under fix_gamma).
  EXPECT_EQ(total("mobilenet", {1000, 0, {3, 224, 224}}), 4231976);
  NetworkConfig quarter{10, 0, {3, 224, 224}};
  quarter.alpha = 0.25f;
  EXPECT_EQ(total("mobilenet", quarter), 215642);  // MXNet's infer_shape count
}

// Totals of the networks added from MXNet's symbols folder. Where the
// architecture is torchvision 0.14's, its count (sum of p.numel() over
// parameters()) is the reference; elsewhere MXNet 1.9.1's: the sizes of the
// arguments infer_shape gives for the symbols make_reference.py composes,
// less data and softmax_label.
TEST(NetworkSummary, ResnetV1MatchesTorchvision) {
  EXPECT_EQ(total("resnet-v1", {1000, 50, {3, 224, 224}}), 25557032);   // torchvision resnet50
  EXPECT_EQ(total("resnet-v1", {1000, 101, {3, 224, 224}}), 44549160);  // torchvision resnet101
  // resnet-v1.py projects the first unit of every stage, basic blocks too;
  // torchvision's resnet18 (11,689,512) has no projection in its first stage.
  EXPECT_EQ(total("resnet-v1", {1000, 18, {3, 224, 224}}), 11693736);  // MXNet
  EXPECT_EQ(total("resnet-v1", {10, 20, {3, 28, 28}}), 272762);        // MXNet
}

TEST(NetworkSummary, ResnextMatchesTorchvisionPlusItsInputBatchNorm) {
  // torchvision resnext50_32x4d: 25,028,904; resnext.py adds bn_data's gamma
  // and beta over 3 channels. MXNet counts 25,028,910.
  EXPECT_EQ(total("resnext", {1000, 50, {3, 224, 224}}), 25028904 + 6);
  EXPECT_EQ(total("resnext", {1000, 101, {3, 224, 224}}), 44177710);  // MXNet (torchvision's 101 is 32x8d)
  EXPECT_EQ(total("resnext", {10, 20, {3, 32, 32}}), 272736);          // MXNet
}

TEST(NetworkSummary, VggWithBatchNormMatchesTorchvision) {
  NetworkConfig bn{1000, 16, {3, 224, 224}};
  bn.batch_norm = true;
  EXPECT_EQ(total("vgg", bn), 138365992);  // torchvision vgg16_bn
}

TEST(NetworkSummary, InceptionV3MatchesTorchvisionWithoutAuxLogits) {
  // torchvision inception_v3(aux_logits=False): the same layers and widths;
  // MXNet's last block max-pools where torchvision averages (no parameters).
  EXPECT_EQ(total("inception-v3", {1000, 0, {3, 299, 299}}), 23834568);
}

TEST(NetworkSummary, Mobilenetv2CountsItsExtraExpansion) {
  // mobilenetv2.py expands the first sequence's block (t = 1) with a 32x32 1x1
  // convolution and BatchNorm that torchvision's mobilenet_v2 (3,504,872)
  // leaves out: 1,024 + 64 more. MXNet counts 3,505,960.
  EXPECT_EQ(total("mobilenetv2", {1000, 0, {3, 224, 224}}), 3504872 + 32 * 32 + 2 * 32);
  NetworkConfig narrow{10, 0, {3, 224, 224}};
  narrow.multiplier = 0.35;
  EXPECT_EQ(total("mobilenetv2", narrow), 402541);  // MXNet
  NetworkConfig wide{1000, 0, {3, 224, 224}};
  wide.multiplier = 1.4;
  EXPECT_EQ(total("mobilenetv2", wide), 6099079);  // MXNet
}

TEST(NetworkSummary, InceptionNetworksMatchMxnet) {
  // No torchvision counterpart: its googlenet has batch norm and auxiliary
  // heads. googlenet.py's pools round down, so its 7x7 average pool only fits
  // images of about 256 pixels (at 224 MXNet fails the same way).
  EXPECT_EQ(total("googlenet", {1000, 0, {3, 256, 256}}), 6998552);
  EXPECT_THAT(test::error_message([] { total("googlenet", {1000, 0, {3, 224, 224}}); }), HasSubstr("pooling4"));
  EXPECT_EQ(total("inception-bn", {1000, 0, {3, 224, 224}}), 11295240);
  EXPECT_EQ(total("inception-bn", {10, 0, {3, 28, 28}}), 1652826);
}

TEST(NetworkSummary, TableListsLayersThenTotal) {
  const std::string text = network_summary(build_network("mlp", {}), {{"data", Shape{64, 1, 28, 28}}});
  EXPECT_NE(text.find("Layer"), std::string::npos);
  const size_t fc1 = text.find("fc1 ");
  ASSERT_NE(fc1, std::string::npos) << text;
  const std::string row = text.substr(fc1, text.find('\n', fc1) - fc1);
  EXPECT_NE(row.find("FullyConnected"), std::string::npos) << row;
  EXPECT_NE(row.find("(64, 128)"), std::string::npos) << row;
  EXPECT_NE(row.find("100,480"), std::string::npos) << row;
  EXPECT_EQ(text.substr(text.rfind("Total params:")), "Total params: 109,386\n");
}

TEST(NetworkSummary, BadNetworkStillErrors) {
  // 4x4 images cannot take lenet's 5x5 convolution: the error names the layer.
  EXPECT_THAT(test::error_message([] { network_summary(build_network("lenet", {}), {{"data", Shape{1, 1, 4, 4}}}); }),
              HasSubstr("convolution0"));
  EXPECT_THAT(test::error_message([] { build_network("vgg", {10, 12, {3, 224, 224}}); }), HasSubstr("not 12"));
  EXPECT_THROW(build_network("mobilenet", {10, 0, {3, 100, 100}}), Error);
}

// The networks' keyword arguments (--use-batch-norm, --alpha, --multiplier) reach the builders.
TEST(NetworkSummary, FitPassesBatchNormAlphaAndMultiplier) {
  struct Cli {
    std::vector<std::string> args;
    const char* total;
  };
  const Cli cases[] = {{{"network", "vgg", "num-layers", "16", "use-batch-norm", "1"}, "138,365,992"},
                       {{"network", "mobilenet", "alpha", "0.25"}, "215,642"},
                       {{"network", "mobilenetv2", "multiplier", "0.35"}, "402,541"}};
  for (const Cli& c : cases) {
    struct Lines : TrainingObserver {
      std::string total;  // the table's last line
      void on_log(const std::string& line) override {
        if (line.find("Total params: ") != std::string::npos) total = line;
      }
    } log;
    const auto dir = std::filesystem::temp_directory_path() / "fitbench_summary_args_test";
    FitArgs args = train_mnist_defaults();
    for (size_t i = 0; i < c.args.size(); i += 2) args.set(c.args[i], c.args[i + 1]);
    args.set("image-shape", "3,224,224");
    args.set("num-classes", c.args[1] == "vgg" ? "1000" : "10");
    args.set("summary", "1");
    fit(args, {&log, nullptr, false, (dir / "run").string()});
    EXPECT_NE(log.total.find(std::string("Total params: ") + c.total), std::string::npos)
        << c.args[1] << ": " << log.total;
    std::filesystem::remove_all(dir);
  }
}

TEST(NetworkSummary, FitPrintsTheSummaryAndDoesNotTrain) {
  struct Lines : TrainingObserver {
    std::vector<std::string> lines;
    void on_log(const std::string& line) override { lines.push_back(line); }
  } log;
  const auto dir = std::filesystem::temp_directory_path() / "fitbench_summary_test";
  FitArgs args = train_mnist_defaults();
  args.set("network", "lenet");
  args.set("summary", "1");
  // No data here: --summary must not read any.
  args.set("data-train", (dir / "missing-images-idx3-ubyte").string());
  const FinishInfo finish = fit(args, {&log, nullptr, false, (dir / "run").string()});
  EXPECT_TRUE(finish.completed);
  EXPECT_EQ(finish.epochs_done, 0);
  const auto has = [&](const std::string& text) {
    return std::any_of(log.lines.begin(), log.lines.end(),
                       [&](const std::string& line) { return line.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("Total params: 431,080"));
  // Then the memory estimate, which leaves out the data it could not find.
  EXPECT_TRUE(has("Memory estimate"));
  EXPECT_TRUE(has("The data is not counted"));
  // A summary is not a run: nothing for the Runs view.
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));
  std::filesystem::remove_all(dir);
}

}  // namespace
