// TrainerController on a diverging run: the application pauses where the CLI
// would stop (--on-nonfinite stop), reports the event, and either goes on
// from the weights at the start of the epoch or ends the run as diverged.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include "TrainerController.h"
#include "fitbench/checkpoint.h"
#include "fitbench/fit.h"

namespace {

constexpr int kRunTimeoutMs = 120000;

// mlp at a learning rate of 1e6 on the first 640 Fashion-MNIST images: its
// outputs overflow within a few batches.
fitbench::FitArgs divergingArgs(const QTemporaryDir& tmp) {
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("lr", "1e6");
  args.set("num-examples", "640");
  args.set("num-epochs", "1");
  args.set("model-prefix", tmp.filePath(QStringLiteral("ckpt/mlp")).toStdString());
  return args;
}

template <class T>
T argumentOf(const QSignalSpy& spy, int call = 0) {
  return spy.at(call).at(0).value<T>();
}

}  // namespace

class TestTrainerController : public QObject {
  Q_OBJECT

 private slots:
  void divergedRunPausesThenGoesOnWithALowerRate();
  void stopWhilePausedEndsTheRunAsDiverged();
};

void TestTrainerController::divergedRunPausesThenGoesOnWithALowerRate() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  TrainerController controller;
  controller.setRunDir(tmp.filePath(QStringLiteral("run")));
  QSignalSpy nonFinite(&controller, &TrainerController::nonFiniteFound);
  QSignalSpy paused(&controller, &TrainerController::pausedChanged);
  QSignalSpy finished(&controller, &TrainerController::finished);
  QVERIFY(controller.start(divergingArgs(tmp)));

  QTRY_COMPARE_WITH_TIMEOUT(nonFinite.count(), 1, kRunTimeoutMs);
  QVERIFY(controller.isPaused());
  QVERIFY(paused.count() >= 1 && paused.last().at(0).toBool());
  const auto event = argumentOf<fitbench::NonFiniteEvent>(nonFinite);
  QCOMPARE(event.kind, std::string("output"));
  QVERIFY2(event.message.find("the first value to go non-finite") != std::string::npos, event.message.c_str());
  // Paused, not stopped: nothing ends while the person decides.
  QTest::qWait(300);
  QCOMPARE(finished.count(), 0);

  controller.setLearningRate(1e-9);
  controller.resume();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const auto info = argumentOf<fitbench::FinishInfo>(finished);
  QVERIFY2(info.error.empty(), info.error.c_str());
  QVERIFY(info.completed);
  QVERIFY(!info.diverged);
  QCOMPARE(nonFinite.count(), 1);
  QVERIFY(std::filesystem::exists(fitbench::params_path(tmp.filePath(QStringLiteral("ckpt/mlp")).toStdString(), 1)));
}

void TestTrainerController::stopWhilePausedEndsTheRunAsDiverged() {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  TrainerController controller;
  controller.setRunDir(tmp.filePath(QStringLiteral("run")));
  QSignalSpy nonFinite(&controller, &TrainerController::nonFiniteFound);
  QSignalSpy finished(&controller, &TrainerController::finished);
  QVERIFY(controller.start(divergingArgs(tmp)));
  QTRY_COMPARE_WITH_TIMEOUT(nonFinite.count(), 1, kRunTimeoutMs);
  controller.stop();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const auto info = argumentOf<fitbench::FinishInfo>(finished);
  QVERIFY(info.diverged.has_value());
  QVERIFY(!controller.isPaused());
  QVERIFY(!std::filesystem::exists(fitbench::params_path(tmp.filePath(QStringLiteral("ckpt/mlp")).toStdString(), 1)));
}

QTEST_MAIN(TestTrainerController)
#include "tst_trainercontroller.moc"
