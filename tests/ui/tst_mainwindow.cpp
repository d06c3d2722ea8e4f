// MainWindow and TrainerController: the window builds, a run that fit()
// rejects ends in finished() with the error (never a crash), and a real run
// pauses, stops within a batch and is waited for by the destructor.
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <string>

#include "MainWindow.h"
#include "TrainerController.h"
#include "fitbench/fit_args.h"

namespace {

constexpr int kRunTimeoutMs = 180000;
const char* const kFashionMnistTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

// "name=value" pairs applied on top of the default experiment.
fitbench::FitArgs argsWith(const QStringList& settings) {
  fitbench::FitArgs args = MainWindow::defaultExperiment();
  args.set("num-epochs", "1");
  for (const QString& setting : settings) {
    const qsizetype eq = setting.indexOf(QLatin1Char('='));
    args.set(setting.left(eq).toStdString(), setting.mid(eq + 1).toStdString());
  }
  return args;
}

fitbench::FinishInfo finishOf(const QSignalSpy& spy) {
  return qvariant_cast<fitbench::FinishInfo>(spy.at(0).at(0));
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void windowConstructs();
  void controllerReportsErrors_data();
  void controllerReportsErrors();
  void windowShowsErrors();
  void pauseAndStop();
  void destructorStopsTheRun();

 private:
  QTemporaryDir m_tmp;
};

void TestMainWindow::windowConstructs() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));

  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  auto* pause = window.findChild<QPushButton*>(QStringLiteral("pauseButton"));
  auto* stop = window.findChild<QPushButton*>(QStringLiteral("stopButton"));
  QVERIFY(start && pause && stop);
  QVERIFY(start->isEnabled());
  QVERIFY(!pause->isEnabled());
  QVERIFY(!stop->isEnabled());
  QVERIFY(!window.windowIcon().isNull());

  QCOMPARE(window.args().get_string("network"), std::string("lenet"));
  QCOMPARE(window.args().get_int("batch-size"), 64);
  QCOMPARE(window.args().get_float("lr"), 0.05);
  QCOMPARE(window.args().get_int("num-epochs"), 3);
  QCOMPARE(window.args().get_int("disp-batches"), 100);
  QCOMPARE(window.args().get_string("model-prefix"), std::string("runs/default/lenet"));
}

void TestMainWindow::controllerReportsErrors_data() {
  QTest::addColumn<QStringList>("settings");
  QTest::newRow("missing training data")
      << QStringList{QStringLiteral("data-train=/nonexistent/fitbench/train-images-idx3-ubyte.gz")};
  QTest::newRow("missing checkpoint") << QStringList{
      QStringLiteral("model-prefix=/nonexistent/fitbench/ckpt/lenet"), QStringLiteral("load-epoch=3")};
}

void TestMainWindow::controllerReportsErrors() {
  QFETCH(QStringList, settings);
  QVERIFY(m_tmp.isValid());
  TrainerController controller;
  controller.setRunDir(m_tmp.filePath(QStringLiteral("error-run")));
  QSignalSpy finished(&controller, &TrainerController::finished);

  const fitbench::FitArgs args = argsWith(settings);
  QVERIFY(controller.start(args));
  QVERIFY(controller.isRunning());
  QVERIFY(!controller.start(args));  // one run at a time

  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY(!controller.isRunning());
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY(!info.completed);
  QVERIFY2(!info.error.empty(), "fit() failed but finished() carries no error text");
  // The message names the file at fault.
  QVERIFY2(QString::fromStdString(info.error).contains(QStringLiteral("/nonexistent/fitbench")),
           info.error.c_str());

  // No second finished() arrives later.
  QTest::qWait(100);
  QCOMPARE(finished.count(), 1);
}

void TestMainWindow::windowShowsErrors() {
  MainWindow window(
      argsWith({QStringLiteral("data-train=/nonexistent/fitbench/train-images-idx3-ubyte.gz")}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("window-run")));
  window.show();
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  auto* status = window.findChild<QLabel*>(QStringLiteral("statusLabel"));
  QVERIFY(start && status);

  QSignalSpy finished(window.controller(), &TrainerController::finished);
  QTest::mouseClick(start, Qt::LeftButton);
  QVERIFY(!start->isEnabled());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY(start->isEnabled());
  QVERIFY2(status->text().startsWith(QStringLiteral("Failed")), qPrintable(status->text()));
}

void TestMainWindow::pauseAndStop() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  TrainerController controller;
  controller.setRunDir(m_tmp.filePath(QStringLiteral("pause-run")));
  QSignalSpy batches(&controller, &TrainerController::batchEnded);
  QSignalSpy finished(&controller, &TrainerController::finished);

  const std::string prefix = m_tmp.filePath(QStringLiteral("pause-ckpt/lenet")).toStdString();
  QVERIFY(controller.start(argsWith({QStringLiteral("model-prefix=") + QString::fromStdString(prefix)})));
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  if (finished.count() > 0)
    QFAIL(("the default experiment ended before its first batch: " + finishOf(finished).error).c_str());

  // Paused at a batch boundary: no batch ends while paused.
  controller.pause();
  QVERIFY(controller.isPaused());
  QTest::qWait(1500);  // at most one batch finishes after pause(); its signal is delivered
  const qsizetype whilePaused = batches.count();
  QTest::qWait(1000);
  QCOMPARE(batches.count(), whilePaused);
  QCOMPARE(finished.count(), 0);

  controller.resume();
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > whilePaused, kRunTimeoutMs);

  controller.stop();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY2(info.error.empty(), info.error.c_str());
  QVERIFY(info.stopped);
  QVERIFY(!info.completed);
  QVERIFY(!controller.isRunning());
}

void TestMainWindow::destructorStopsTheRun() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  auto controller = std::make_unique<TrainerController>();
  controller->setRunDir(m_tmp.filePath(QStringLiteral("destructor-run")));
  QSignalSpy batches(controller.get(), &TrainerController::batchEnded);
  const std::string prefix = m_tmp.filePath(QStringLiteral("destructor-ckpt/lenet")).toStdString();
  QVERIFY(controller->start(argsWith({QStringLiteral("model-prefix=") + QString::fromStdString(prefix)})));
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || !controller->isRunning(), kRunTimeoutMs);
  controller->pause();  // a paused run must not keep the destructor waiting either
  controller.reset();   // stops the run and waits for its thread
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
