// fitbench-ui-stall: how long the GUI event loop can go unserved while lenet
// trains at full speed on Fashion-MNIST. It drives the real MainWindow
// (offscreen unless QT_QPA_PLATFORM says otherwise), starts the default
// experiment with enough epochs to keep training busy, and meanwhile ticks a
// 5 ms precise QTimer, recording the time between ticks. A tick that arrives
// late means the event loop was blocked (by chart updates, log appends, ...)
// for that long. Prints the longest gap and the 99th percentile.
//
// Usage: fitbench-ui-stall [SECONDS] [fit.py arguments...]   (default 20 s)
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "MainWindow.h"
#include "TrainerController.h"
#include "fitbench/error.h"
#include "fitbench/fit_args.h"

int main(int argc, char* argv[]) {
  double seconds = 20.0;
  std::vector<std::string> extra;
  if (argc > 1) seconds = std::atof(argv[1]);
  for (int i = 2; i < argc; ++i) extra.emplace_back(argv[i]);
  if (!(seconds > 0.0)) {
    std::fprintf(stderr, "usage: fitbench-ui-stall [SECONDS] [fit.py arguments...]\n");
    return 2;
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int qtArgc = 1;
  QApplication app(qtArgc, argv);

  QTemporaryDir tmp;
  if (!tmp.isValid()) {
    std::fprintf(stderr, "fitbench-ui-stall: cannot create a temporary directory\n");
    return 1;
  }
  fitbench::FitArgs args;
  try {
    std::vector<std::string> line{"--num-epochs", "100", "--model-prefix",
                                  tmp.filePath("lenet").toStdString()};
    line.insert(line.end(), extra.begin(), extra.end());
    args = fitbench::parse_command_line(line, MainWindow::defaultExperiment());
  } catch (const fitbench::Error& e) {
    std::fprintf(stderr, "fitbench-ui-stall: %s\n", e.what());
    return 2;
  }

  MainWindow window(args);
  window.controller()->setRunDir(tmp.filePath("run"));
  window.show();

  QTimer ticker;
  ticker.setTimerType(Qt::PreciseTimer);
  ticker.setInterval(5);
  std::vector<double> gaps;  // milliseconds between ticks
  gaps.reserve(static_cast<size_t>(seconds * 250));
  QElapsedTimer clock;
  qint64 last = 0;
  int64_t batches = 0;  // while the timer ticked
  QObject::connect(window.controller(), &TrainerController::batchEnded, [&] {
    if (ticker.isActive()) ++batches;
  });
  std::string failure;
  QObject::connect(window.controller(), &TrainerController::finished, [&](const fitbench::FinishInfo& info) {
    if (!info.error.empty()) failure = info.error;
  });

  QObject::connect(&ticker, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    gaps.push_back(static_cast<double>(now - last) / 1e6);
    last = now;
  });

  // Measure from the first batch on: the run's start (reading the data set)
  // is not what this benchmark is about.
  QObject::connect(window.controller(), &TrainerController::batchEnded, &ticker, [&] {
    if (ticker.isActive()) return;
    clock.start();
    last = 0;
    ticker.start();
    QTimer::singleShot(static_cast<int>(seconds * 1000), &app, [&] {
      ticker.stop();
      window.close();
    });
  });
  window.startTraining();
  QTimer::singleShot(static_cast<int>((seconds + 120) * 1000), &app, [&] {
    failure = "no batch finished within two minutes";
    window.close();
  });
  QApplication::exec();

  if (!failure.empty() || gaps.empty()) {
    std::fprintf(stderr, "fitbench-ui-stall: the run failed: %s\n",
                 failure.empty() ? "no ticks" : failure.c_str());
    return 1;
  }
  std::vector<double> sorted = gaps;
  std::sort(sorted.begin(), sorted.end());
  const auto at = [&](double q) {
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
  };
  std::printf("trained %s on Fashion-MNIST for %.1f s: %lld batches, %.0f samples/s\n",
              args.get_string("network").c_str(), seconds, static_cast<long long>(batches),
              static_cast<double>(batches) * args.get_int("batch-size") / seconds);
  std::printf("5 ms timer: %zu ticks, gap median %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
              gaps.size(), at(0.5), at(0.99), at(0.999), sorted.back());
  std::printf("event loop stall under 50 ms: %s\n", sorted.back() < 50.0 ? "yes" : "NO");
  return 0;
}
