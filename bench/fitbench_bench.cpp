// Training throughput of fitbench on synthetic data, printed in the same
// format as bench/torch_baseline.py so bench/run_cpu.sh (CPU) and
// scripts/check-gpu.sh (--gpu 0) can put the two side by side: forward,
// backward and an SGD-with-momentum update per step, the work PyTorch's
// baseline does, all on the chosen device.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "fitbench/cpu_threads.h"
#include "fitbench/executor.h"
#include "fitbench/models.h"
#include "fitbench/optimizer.h"

using namespace fitbench;

namespace {

struct Net {
  const char* label;
  std::string key;
  Symbol symbol;
  Shape data;
  int classes = 10;
  int batch = 128;  // the peer's batch size
};

// Values drawn on the host and copied to `to`, wherever it lives.
void fill_from_host(const Tensor& to, const std::function<float()>& draw) {
  Tensor host(to.shape());
  for (int64_t i = 0; i < host.size(); ++i) host.f32()[i] = draw();
  to.copy_from(host);
}

void bench(const Net& net, int batch, double min_seconds, Device device) {
  std::vector<int64_t> dims{batch};
  for (int64_t d : net.data.dims()) dims.push_back(d);
  Executor exec(net.symbol, {{"data", Shape(dims)}, {"softmax_label", Shape{batch}}}, 0, device);
  std::mt19937_64 rng(0);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  fill_from_host(exec.param_buffer(), [&] { return normal(rng); });
  for (const auto& name : exec.aux_names())
    if (name.size() > 3 && name.compare(name.size() - 3, 3, "var") == 0) exec.aux(name).fill(1.0f);
  fill_from_host(exec.input("data"), [&] { return normal(rng) * 20.0f; });
  fill_from_host(exec.input("softmax_label"), [&] { return static_cast<float>(rng() % net.classes); });

  OptimizerParams p;
  p.learning_rate = 0.01f;
  p.momentum = 0.9f;
  p.wd = 1e-4f;
  p.rescale_grad = 1.0f / static_cast<float>(batch);
  auto sgd = Optimizer::create("sgd", p);
  std::vector<ParamRef> params;
  for (const auto& name : exec.param_names()) params.push_back({name, exec.param(name), exec.grad(name)});
  sgd->create_states(params);
  auto step = [&] {
    exec.forward(true);
    exec.backward();
    sgd->update(params);
  };
  for (int i = 0; i < 3; ++i) step();
  synchronize(device);
  // Steps in blocks, the clock read once the device has done a whole block
  // (a GPU runs ahead of the host), as the peer times its loop.
  const int block = device.is_cpu() ? 1 : 10;
  int iters = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < min_seconds || iters < 5) {
    for (int i = 0; i < block; ++i) step();
    iters += block;
    synchronize(device);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("%-34s bs=%4d amp=0 cl=0  %10.0f img/s  %8.2f ms/iter\n", net.label, batch, batch * iters / elapsed,
              1000.0 * elapsed / iters);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  fitbench::prepare_cpu_threads(argv);
  std::string nets = "mlp,lenet,resnet20";
  int batch = 0;  // 0: each network's peer batch size
  double seconds = 3.0;
  Device device = Device::cpu();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--nets" && i + 1 < argc) nets = argv[++i];
    else if (a == "--batch-size" && i + 1 < argc) batch = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--gpu" && i + 1 < argc) device = Device::gpu(std::atoi(argv[++i]));
    else {
      std::fprintf(stderr,
                   "usage: fitbench-bench [--nets mlp,lenet,resnet20,resnet110,resnet50] [--batch-size N] "
                   "[--seconds 3] [--gpu ID]\n");
      return 2;
    }
  }
  try {
    const std::vector<Net> all = {
        {"mlp-784-128-64-10", "mlp", build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 28, 28}},
        {"lenet", "lenet", build_network("lenet", {10, 0, {1, 28, 28}}), Shape{1, 28, 28}},
        // The peer's ResNet-20 is the 3-stage CIFAR network on 32x32 images.
        {"resnet20-cifar", "resnet20", build_resnet({3, 3, 3}, {16, 16, 32, 64}, false, 10, {3, 32, 32}),
         Shape{3, 32, 32}},
        {"resnet110-cifar", "resnet110", build_resnet({18, 18, 18}, {16, 16, 32, 64}, false, 10, {3, 32, 32}),
         Shape{3, 32, 32}},
        // The peer runs torchvision's resnet50 (post-activation, v1) at 224 px with batch 256.
        {"resnet50-imagenet", "resnet50", build_network("resnet-v1", {1000, 50, {3, 224, 224}}),
         Shape{3, 224, 224}, 1000, 256},
    };
    std::stringstream list(nets);
    std::string key;
    while (std::getline(list, key, ',')) {
      bool found = false;
      for (const auto& n : all)
        if (n.key == key) bench(n, batch > 0 ? batch : n.batch, seconds, device), found = true;
      if (!found) {
        std::fprintf(stderr, "fitbench-bench: unknown network '%s' (mlp, lenet, resnet20, resnet110, resnet50)\n",
                     key.c_str());
        return 2;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fitbench-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
