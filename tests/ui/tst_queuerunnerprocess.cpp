// The queue on several GPUs: with two GPUs checked in the Devices dock, Run
// queue starts one runner process (a stand-in for fitbench-cli here, which
// notes its arguments and the signals it gets) with the queue file and those
// GPUs, and the window stays free; Run queue off stops it (SIGTERM), closing
// the window ends it (SIGHUP) and leaves its entry to be resumed, and one
// that fails turns Run queue off and says why. With one GPU or the CPU the
// window trains the entries itself. The real fitbench-cli, on a machine
// without those GPUs, refuses them before touching the queue.
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <filesystem>

#include "GpuPicker.h"
#include "MainWindow.h"
#include "QueuePanel.h"
#include "QueueRunnerProcess.h"
#include "fitbench/file_util.h"
#include "fitbench/gpu_module.h"
#include "stub_program.h"
#include "workspace_fixture.h"

namespace {

constexpr int kTimeoutMs = 20000;
constexpr int kRunTimeoutMs = 180000;

fitbench::RunQueue queueOf(const QString& ws) {
  return fitbench::RunQueue::load(fitbench::queue_path(ws.toStdString()));
}

QString readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// A window on a workspace with one queued lenet run, which shows two GPUs as
// a loaded GPU module would list them, and starts `program` as its runner.
struct Fixture {
  explicit Fixture(const QTemporaryDir& tmp, const QString& program)
      : ws(tmp.filePath(QStringLiteral("ws"))) {
    const std::filesystem::path root(tmp.path().toStdString());
    workspacetest::writeData(root);
    QSettings().setValue(QStringLiteral("workspace/root"), ws);
    QSettings().setValue(QStringLiteral("queue/run"), false);
    window = std::make_unique<MainWindow>();
    panel = window->findChild<QueuePanel*>();
    runner = window->findChild<QueueRunnerProcess*>();
    runner->setProgram(program);
    QVERIFY(panel->add(QStringLiteral("lenet"), workspacetest::lenetArgs(root)).isEmpty());
    fitbench::GpuInventory inventory;
    inventory.gpus = {{0, "GPU zero", 80LL << 30, 70LL << 30, 5, 40},
                      {1, "GPU one", 80LL << 30, 60LL << 30, 0, 35}};
    window->gpuPicker()->setInventory(inventory, {true, "/usr/lib/fitbench/libfitbench_cuda.so", {}});
  }
  QString entryId() const { return QString::fromStdString(panel->entries().front().id); }
  QString ws;
  std::unique_ptr<MainWindow> window;
  QueuePanel* panel = nullptr;
  QueueRunnerProcess* runner = nullptr;
};

}  // namespace

class TestQueueRunnerProcess : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void twoGpusRunTheQueueInOneProcess();
  void oneGpuOrTheCpuTrainsThroughTheWindow_data();
  void oneGpuOrTheCpuTrainsThroughTheWindow();
  void closingLeavesTheRunnersEntryToResume();
  void aFailedRunnerTurnsRunQueueOff();
  void fitbenchCliRefusesGpusThisMachineLacks();

 private:
  // A stand-in for fitbench-cli: each start appends "<pid> <arguments>" to
  // calls(), says on stderr that it began entry 1 on gpu(0), and waits;
  // SIGTERM appends "<pid> TERM" and exits 130 (a stop, as fitbench-cli
  // ends one), SIGHUP appends "<pid> HUP" and exits.
  QString waitingStub();
  QString calls() const { return m_stubs.filePath(QStringLiteral("calls")); }

  QTemporaryDir m_settings;
  QTemporaryDir m_stubs;
};

void TestQueueRunnerProcess::initTestCase() {
  // The window remembers its workspace and the queue switch: not in the tester's own settings.
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
}

QString TestQueueRunnerProcess::waitingStub() {
  const QString path = m_stubs.filePath(QStringLiteral("waiting-fitbench-cli"));
  QFile::remove(calls());
  // `wait` returns for a trapped signal; a sleep in the foreground would hold the trap until it ended.
  const QByteArray script = QStringLiteral(R"sh(#!/bin/sh
trap 'echo "$$ TERM" >> "%1"; kill $sleeper; exit 130' TERM
trap 'echo "$$ HUP" >> "%1"; kill $sleeper; exit 129' HUP
echo "$$ $*" >> "%1"
echo "fitbench-cli: queue: starting lenet (entry 1) on gpu(0)" >&2
sleep 120 &
sleeper=$!
wait $sleeper
)sh")
                                .arg(calls())
                                .toUtf8();
  return writeStubProgram(path, script) ? path : QString();
}

void TestQueueRunnerProcess::twoGpusRunTheQueueInOneProcess() {
  QTemporaryDir tmp;
  Fixture f(tmp, waitingStub());
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(QStringLiteral("0,1")));
  f.panel->setRunRequested(true);
  QVERIFY(f.runner->isRunning());
  QTRY_VERIFY_WITH_TIMEOUT(readAll(calls()).contains(QLatin1Char('\n')), kTimeoutMs);
  const QStringList started = readAll(calls()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  QCOMPARE(started.size(), 1);
  const QString pid = started[0].section(QLatin1Char(' '), 0, 0);
  QCOMPARE(started[0].section(QLatin1Char(' '), 1),
           QStringLiteral("--queue %1/queue.json --queue-gpus 0,1").arg(f.ws));
  // The window stays free, and the dock says where the queue runs.
  QVERIFY(!f.window->isTraining());
  QVERIFY2(f.panel->runnerStatus().contains(QStringLiteral("GPUs 0,1")), qPrintable(f.panel->runnerStatus()));
  QVERIFY(f.panel->findChild<QLabel*>(QStringLiteral("queueRunnerStatus"))->isVisibleTo(f.panel));

  // A runner claims the entry: its row says which GPU trains it.
  fitbench::edit_queue(fitbench::queue_path(f.ws.toStdString()), [&](fitbench::RunQueue& q) {
    fitbench::QueueEntry* entry = q.next_to_run();
    entry->state = fitbench::QueueState::Running;
    entry->runner_pid = pid.toInt();
    return true;
  });
  QTRY_COMPARE_WITH_TIMEOUT(f.panel->table()->item(0, 1)->text(), QStringLiteral("running on GPU 0"),
                            kTimeoutMs);

  // Other checks wait for the next start: the runner goes on as it is.
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(QStringLiteral("0")));
  QTest::qWait(200);
  QVERIFY(f.runner->isRunning());
  QCOMPARE(readAll(calls()).count(QLatin1Char('\n')), 1);
  QVERIFY2(f.panel->findChild<QLabel*>(QStringLiteral("queueRunnerStatus"))
               ->toolTip()
               .contains(QStringLiteral("a change applies the next time")),
           "the status line says when the Devices dock's checks are read");

  f.panel->setRunRequested(false);
  QTRY_VERIFY_WITH_TIMEOUT(!f.runner->isRunning(), kTimeoutMs);
  QCOMPARE(readAll(calls()).split(QLatin1Char('\n'), Qt::SkipEmptyParts),
           QStringList({started[0], pid + QStringLiteral(" TERM")}));
  QVERIFY2(f.panel->runnerStatus().startsWith(QStringLiteral("Stopped the runs on GPUs 0,1")),
           qPrintable(f.panel->runnerStatus()));
}

void TestQueueRunnerProcess::oneGpuOrTheCpuTrainsThroughTheWindow_data() {
  QTest::addColumn<QString>("gpus");
  QTest::newRow("one GPU") << QStringLiteral("1");
  QTest::newRow("the CPU") << QString();
}

void TestQueueRunnerProcess::oneGpuOrTheCpuTrainsThroughTheWindow() {
  QFETCH(QString, gpus);
  QTemporaryDir tmp;
  Fixture f(tmp, waitingStub());
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(gpus));
  f.panel->setRunRequested(true);
  // The window claimed the entry and trains it (on the CPU: the entry names no GPU).
  QVERIFY(!f.runner->isRunning());
  QVERIFY(f.window->isTraining());
  const fitbench::QueueEntry claimed = queueOf(f.ws).entries().front();
  QCOMPARE(claimed.state, fitbench::QueueState::Running);
  QCOMPARE(claimed.runner_pid, static_cast<int>(::getpid()));
  QVERIFY(f.panel->runnerStatus().isEmpty());
  QTRY_COMPARE_WITH_TIMEOUT(queueOf(f.ws).entries().front().state, fitbench::QueueState::Done, kRunTimeoutMs);
  QVERIFY(!QFile::exists(calls()));
}

void TestQueueRunnerProcess::closingLeavesTheRunnersEntryToResume() {
  QTemporaryDir tmp;
  Fixture f(tmp, waitingStub());
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(QStringLiteral("0,1")));
  f.panel->setRunRequested(true);
  QTRY_VERIFY_WITH_TIMEOUT(readAll(calls()).contains(QLatin1Char('\n')), kTimeoutMs);
  const QString pid = readAll(calls()).section(QLatin1Char(' '), 0, 0);
  // The runner has claimed the entry, as fitbench-cli's runner would.
  fitbench::edit_queue(fitbench::queue_path(f.ws.toStdString()), [&](fitbench::RunQueue& q) {
    fitbench::QueueEntry* entry = q.next_to_run();
    entry->state = fitbench::QueueState::Running;
    entry->runner_pid = pid.toInt();
    return true;
  });

  QVERIFY(f.window->close());
  // Ended, with SIGHUP: no runner outlives the window, and none was told to stop and finish its entry.
  QVERIFY(!f.runner->isRunning());
  QVERIFY(!fitbench::process_is_running(pid.toInt()));
  QCOMPARE(readAll(calls()).split(QLatin1Char('\n'), Qt::SkipEmptyParts).last(),
           pid + QStringLiteral(" HUP"));
  fitbench::RunQueue left = queueOf(f.ws);
  QCOMPARE(left.entries().front().state, fitbench::QueueState::Running);
  QVERIFY(left.next_to_run() != nullptr);  // interrupted: the next runner resumes it
  QCOMPARE(left.next_to_run()->id, f.entryId().toStdString());
  // The queue runs again when the window opens.
  QVERIFY(QSettings().value(QStringLiteral("queue/run")).toBool());
  f.window.reset();
  QCOMPARE(readAll(calls()).count(QLatin1Char('\n')), 2);
}

void TestQueueRunnerProcess::aFailedRunnerTurnsRunQueueOff() {
  const QString stub = m_stubs.filePath(QStringLiteral("failing-fitbench-cli"));
  QVERIFY(writeStubProgram(stub,
                           "#!/bin/sh\n"
                           "echo 'fitbench-cli: starting the runners' >&2\n"
                           "echo 'fitbench-cli: argument --queue-gpus: gpu(1) is not on this machine' >&2\n"
                           "exit 2\n"));
  QTemporaryDir tmp;
  Fixture f(tmp, stub);
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(QStringLiteral("0,1")));
  f.panel->setRunRequested(true);
  QTRY_VERIFY_WITH_TIMEOUT(!f.panel->runRequested(), kTimeoutMs);
  const QString message =
      QStringLiteral("fitbench-cli: argument --queue-gpus: gpu(1) is not on this machine");
  QVERIFY2(f.panel->runnerStatus().endsWith(message), qPrintable(f.panel->runnerStatus()));
  QVERIFY2(f.window->statusBar()->currentMessage().endsWith(message),
           qPrintable(f.window->statusBar()->currentMessage()));
  QVERIFY(!QSettings().value(QStringLiteral("queue/run")).toBool());
  QVERIFY(QApplication::activeModalWidget() == nullptr);
  QCOMPARE(queueOf(f.ws).entries().front().state, fitbench::QueueState::Queued);
}

void TestQueueRunnerProcess::fitbenchCliRefusesGpusThisMachineLacks() {
  if (fitbench::gpu_module_status().loaded && fitbench::usable_gpu_count() >= 2)
    QSKIP("this machine has the GPUs");
  QTemporaryDir tmp;
  Fixture f(tmp, QStringLiteral(FITBENCH_CLI_PATH));
  const std::vector<fitbench::QueueEntry> queued = queueOf(f.ws).entries();
  QVERIFY(f.window->gpuPicker()->setSelectedGpus(QStringLiteral("0,1")));
  f.panel->setRunRequested(true);
  QTRY_VERIFY_WITH_TIMEOUT(!f.panel->runRequested(), kTimeoutMs);
  QVERIFY2(f.panel->runnerStatus().contains(QStringLiteral("argument --queue-gpus 0,1: ")),
           qPrintable(f.panel->runnerStatus()));
  QVERIFY2(f.window->statusBar()->currentMessage().contains(QStringLiteral("--queue-gpus")),
           qPrintable(f.window->statusBar()->currentMessage()));
  QCOMPARE(queueOf(f.ws).entries(), queued);
}

QTEST_MAIN(TestQueueRunnerProcess)
#include "tst_queuerunnerprocess.moc"
