// CloseGuard: closing without a run asks nothing; during a run it asks, and
// Keep training keeps the window, Quit without saving stops the run and
// closes, Stop and save waits (busy) for the run's end and closes only when
// the save succeeded; a run that ended while the question was open is not
// told to save. The queue hears when the window is going, and when it stays.
#include <QSignalSpy>
#include <QWidget>
#include <QtTest>

#include "CloseGuard.h"
#include "fake_run.h"

namespace {

using CloseChoice = RunQuestions::CloseChoice;

// The window, the guard and the questions it asked (canSave of each).
struct Fixture {
  explicit Fixture(CloseChoice answer)
      : answer(answer), guard(&window, [this](bool canSave) {
          asked << canSave;
          if (onAsk) onAsk();
          return this->answer;
        }) {}
  CloseChoice answer;
  std::function<void()> onAsk;  // while the question is open
  QList<bool> asked;
  QWidget window;
  CloseGuard guard;
};

fitbench::FinishInfo failed(const std::string& error) {
  fitbench::FinishInfo info;
  info.error = error;
  return info;
}

}  // namespace

class TestCloseGuard : public QObject {
  Q_OBJECT

 private slots:
  void withoutARunClosesAtOnce();
  void keepTrainingStays();
  void quitWithoutSavingStopsTheRun();
  void stopAndSaveClosesOnceSaved();
  void failedSaveKeepsTheWindow();
  void runThatEndedDuringTheQuestionIsNotSaved();
};

void TestCloseGuard::withoutARunClosesAtOnce() {
  Fixture f(CloseChoice::KeepTraining);
  QSignalSpy closing(&f.guard, &CloseGuard::closingChanged);
  QVERIFY(f.guard.mayClose(nullptr, true));
  QVERIFY(f.asked.isEmpty());
  QCOMPARE(closing.count(), 0);
  QVERIFY(!f.guard.runFinished({}));
}

void TestCloseGuard::keepTrainingStays() {
  Fixture f(CloseChoice::KeepTraining);
  FakeRun run;
  QSignalSpy closing(&f.guard, &CloseGuard::closingChanged);
  QVERIFY(!f.guard.mayClose(&run, false));
  QCOMPARE(f.asked, QList<bool>{false});
  QCOMPARE(run.stops + run.stopsAndSaves, 0);
  QCOMPARE(closing.count(), 0);
  // The next close asks again.
  QVERIFY(!f.guard.mayClose(&run, true));
  QCOMPARE(f.asked, QList<bool>({false, true}));
}

void TestCloseGuard::quitWithoutSavingStopsTheRun() {
  Fixture f(CloseChoice::QuitWithoutSaving);
  FakeRun run;
  QSignalSpy closing(&f.guard, &CloseGuard::closingChanged);
  QVERIFY(f.guard.mayClose(&run, true));
  QCOMPARE(run.stops, 1);
  QCOMPARE(run.stopsAndSaves, 0);
  QCOMPARE(closing.count(), 1);
  QCOMPARE(closing.at(0).at(0).toBool(), true);
}

void TestCloseGuard::stopAndSaveClosesOnceSaved() {
  Fixture f(CloseChoice::StopAndSave);
  FakeRun run;
  QSignalSpy closing(&f.guard, &CloseGuard::closingChanged);
  QSignalSpy stopping(&f.guard, &CloseGuard::stopping);
  QVERIFY(!f.guard.mayClose(&run, true));  // not yet: the save comes first
  QCOMPARE(run.stopsAndSaves, 1);
  QCOMPARE(run.stops, 0);
  QCOMPARE(closing.count(), 1);
  QCOMPARE(stopping.count(), 1);
  QVERIFY2(stopping.at(0).at(0).toString().contains(QStringLiteral("the window closes when it is written")),
           qPrintable(stopping.at(0).at(0).toString()));
  QCOMPARE(f.window.cursor().shape(), Qt::BusyCursor);
  // Closed again while it saves: the window goes without another question.
  QVERIFY(f.guard.mayClose(&run, true));
  QCOMPARE(f.asked.size(), 1);

  run.running = false;
  QVERIFY(f.guard.runFinished({}));
  QCOMPARE(f.window.cursor().shape(), Qt::ArrowCursor);
  QCOMPARE(closing.count(), 1);
  // Only the run the close stopped closes the window.
  QVERIFY(!f.guard.runFinished({}));
}

void TestCloseGuard::failedSaveKeepsTheWindow() {
  Fixture f(CloseChoice::StopAndSave);
  FakeRun run;
  QSignalSpy closing(&f.guard, &CloseGuard::closingChanged);
  QVERIFY(!f.guard.mayClose(&run, true));
  run.running = false;
  QVERIFY(
      !f.guard.runFinished(failed("cannot write 'ckpt/lenet-partial-0000.params': No space left on device")));
  QCOMPARE(f.window.cursor().shape(), Qt::ArrowCursor);
  QCOMPARE(closing.count(), 2);
  QCOMPARE(closing.at(1).at(0).toBool(), false);
  // The window stays, so the next close of another run asks again.
  FakeRun next;
  QVERIFY(!f.guard.mayClose(&next, true));
  QCOMPARE(f.asked.size(), 2);
}

void TestCloseGuard::runThatEndedDuringTheQuestionIsNotSaved() {
  Fixture f(CloseChoice::StopAndSave);
  FakeRun run;
  f.onAsk = [&run] { run.running = false; };
  QVERIFY(f.guard.mayClose(&run, true));
  QCOMPARE(run.stopsAndSaves, 0);
  QVERIFY(!f.guard.runFinished({}));
}

QTEST_MAIN(TestCloseGuard)
#include "tst_closeguard.moc"
