// RunBarState: Start waits for a valid form, for a dist_* kv-store when
// Processes asks for more than one, and for a hostfile that can be read,
// saying why in its tooltip; the commands
// to a run are those the run takes, Save checkpoint only with a
// --model-prefix, and each that is off says why.
#include <QtTest>

#include "RunBarState.h"
#include "fake_run.h"

class TestRunBarState : public QObject {
  Q_OBJECT

 private slots:
  void start_data();
  void start();
  void commandsOfARun_data();
  void commandsOfARun();
};

void TestRunBarState::start_data() {
  QTest::addColumn<QStringList>("formErrors");
  QTest::addColumn<int>("processes");
  QTest::addColumn<bool>("startsProcesses");
  QTest::addColumn<QString>("hostfile");
  QTest::addColumn<QString>("hostfileProblem");
  QTest::addColumn<QString>("cannotStart");  // its start; "" when Start may start
  QTest::addColumn<QString>("startTip");     // a part of it; "" when it has none
  const QStringList bad{QStringLiteral("argument --lr: not a number"),
                        QStringLiteral("argument --batch-size: must be >= 1, got 0")};
  const QString hosts = QStringLiteral("/shared/hosts");
  const QString missing = QStringLiteral("The hostfile /shared/hosts does not exist");
  QTest::newRow("in-process") << QStringList() << 1 << false << QString() << QString() << QString()
                              << QString();
  QTest::newRow("invalid form") << bad << 1 << false << QString() << QString()
                                << QStringLiteral(
                                       "Fix the invalid arguments first: argument --lr: not a number\n"
                                       "argument --batch-size: must be >= 1, got 0")
                                << QString();
  QTest::newRow("processes without a dist store")
      << QStringList() << 2 << false << QString() << QString()
      << QStringLiteral("2 processes need a dist_* kv-store") << QString();
  QTest::newRow("the form first") << bad << 2 << true << hosts << missing
                                  << QStringLiteral("Fix the invalid arguments first")
                                  << QStringLiteral("mpirun");
  QTest::newRow("worker processes") << QStringList() << 3 << true << QString() << QString() << QString()
                                    << QStringLiteral("Runs 3 worker process");
  QTest::newRow("on a hostfile's machines")
      << QStringList() << 3 << true << hosts << QString() << QString()
      << QStringLiteral("under mpirun on the machines of /shared/hosts");
  QTest::newRow("a hostfile that cannot be read")
      << QStringList() << 3 << true << hosts << missing << missing << QStringLiteral("/shared/hosts");
}

void TestRunBarState::start() {
  QFETCH(QStringList, formErrors);
  QFETCH(int, processes);
  QFETCH(bool, startsProcesses);
  QFETCH(QString, hostfile);
  QFETCH(QString, hostfileProblem);
  QFETCH(QString, cannotStart);
  QFETCH(QString, startTip);
  const RunControlBar::State state =
      RunBarState::of({formErrors, processes, startsProcesses, hostfile, hostfileProblem, nullptr, true});
  QVERIFY(!state.running);
  if (cannotStart.isEmpty())
    QCOMPARE(state.cannotStart, QString());
  else
    QVERIFY2(state.cannotStart.startsWith(cannotStart), qPrintable(state.cannotStart));
  QVERIFY2(startTip.isEmpty() ? state.startTip.isEmpty() : state.startTip.contains(startTip),
           qPrintable(state.startTip));
  // Nothing runs: no command to a run.
  QVERIFY(!state.canPause && !state.canSave && !state.canSetLr && !state.paused);
}

void TestRunBarState::commandsOfARun_data() {
  QTest::addColumn<bool>("processes");  // a run of worker processes, which takes only Stop
  QTest::addColumn<bool>("paused");
  QTest::addColumn<bool>("hasModelPrefix");
  QTest::addColumn<bool>("canSave");
  QTest::addColumn<QString>("saveTip");
  QTest::newRow("in-process") << false << false << true << true
                              << QStringLiteral("Save a checkpoint at the end");
  QTest::newRow("paused") << false << true << true << true << QStringLiteral("Save a checkpoint at the end");
  QTest::newRow("no --model-prefix") << false << false << false << false
                                     << QStringLiteral("The run has no --model-prefix");
  QTest::newRow("worker processes") << true << false << true << false
                                    << QStringLiteral("A run of worker processes cannot take this command");
}

void TestRunBarState::commandsOfARun() {
  QFETCH(bool, processes);
  QFETCH(bool, paused);
  QFETCH(bool, hasModelPrefix);
  QFETCH(bool, canSave);
  QFETCH(QString, saveTip);
  FakeRun run;
  run.paused = paused;
  if (processes) takeOnlyStop(run);
  const RunControlBar::State state = RunBarState::of({{}, 1, processes, {}, {}, &run, hasModelPrefix});
  QVERIFY(state.running);
  QCOMPARE(state.canPause, !processes);
  QCOMPARE(state.canSetLr, !processes);
  QCOMPARE(state.paused, paused);
  QCOMPARE(state.canSave, canSave);
  QVERIFY2(state.saveTip.startsWith(saveTip), qPrintable(state.saveTip));
  QVERIFY2(state.noCommandTip.contains(QStringLiteral("only listens for Stop")),
           qPrintable(state.noCommandTip));
}

QTEST_MAIN(TestRunBarState)
#include "tst_runbarstate.moc"
