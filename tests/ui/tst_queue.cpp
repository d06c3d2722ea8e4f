// The experiment queue in the window: entries are edited by the rules of the
// queue file, and four queued runs all finish although the window is closed
// while the second trains and opened again; the interrupted one resumes from
// its checkpoint instead of starting over.
#include <QDockWidget>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "MainWindow.h"
#include "QueueDriver.h"
#include "QueuePanel.h"
#include "fitbench/checkpoint.h"
#include "fitbench/run_records.h"
#include "workspace_fixture.h"

namespace {

constexpr int kRunTimeoutMs = 180000;

// Closes without asking: the run is left as a crash or a power cut would leave it.
class QuittingWindow : public MainWindow {
 public:
  using MainWindow::MainWindow;

 protected:
  CloseChoice askCloseDuringRun(bool) override { return CloseChoice::QuitWithoutSaving; }
};

fitbench::RunQueue queueOf(const QString& ws) { return fitbench::RunQueue::load(fitbench::queue_path(ws.toStdString())); }

// A pid no process has any more.
int deadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

}  // namespace

class TestQueue : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void panelEditsFollowTheQueueRules();
  void closedAndReopenedWindowFinishesEveryRun();

 private:
  QTemporaryDir m_settings;
};

void TestQueue::initTestCase() {
  // The window remembers its workspace and the queue switch: not in the tester's own settings.
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
}

void TestQueue::panelEditsFollowTheQueueRules() {
  QTemporaryDir tmp;
  QueuePanel panel;
  panel.setWorkspace(tmp.filePath("ws"));
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  QVERIFY(panel.add(QStringLiteral("mlp"), args).isEmpty());
  QVERIFY(panel.addSweep(QStringLiteral("mlp"), args, {QStringLiteral("lr=0.1,0.05"), QString()}).isEmpty());
  QCOMPARE(panel.table()->rowCount(), 3);
  QCOMPARE(panel.table()->item(2, 0)->text(), QStringLiteral("mlp-lr0.05"));
  QVERIFY(panel.addSweep(QStringLiteral("mlp"), args, {QStringLiteral("lr=abc")}).contains("invalid float value"));

  // Move the last up to the top, pause it, cancel the next: the queue file says so.
  const QString last = QString::fromStdString(panel.entries()[2].id);
  panel.selectId(last);
  for (QPushButton* b : panel.findChildren<QPushButton*>())
    if (b->text() == QStringLiteral("Up")) {
      b->click();
      b->click();
    }
  QCOMPARE(QString::fromStdString(queueOf(panel.workspace()).entries().front().id), last);
  QVERIFY(panel.edit([&](fitbench::RunQueue& q) { q.pause(last.toStdString()); }).isEmpty());
  QVERIFY(!panel.edit([&](fitbench::RunQueue& q) { q.pause(last.toStdString()); }).isEmpty());  // not queued now
  QCOMPARE(queueOf(panel.workspace()).entries().front().state, fitbench::QueueState::Paused);
  QCOMPARE(panel.table()->item(0, 1)->text(), QStringLiteral("paused"));

  // Another program's edit shows up here.
  fitbench::edit_queue(panel.queueFile().toStdString(), [](fitbench::RunQueue& q) {
    q.cancel(q.entries()[1].id);
    return true;
  });
  QTRY_COMPARE_WITH_TIMEOUT(panel.table()->item(1, 1)->text(), QStringLiteral("cancelled"), 10000);

  // An entry claimed by a process that still runs trains elsewhere; one whose process ended is interrupted.
  const auto claimBy = [&](int pid) {
    fitbench::edit_queue(panel.queueFile().toStdString(), [&](fitbench::RunQueue& q) {
      fitbench::QueueEntry* entry = q.find(q.entries()[2].id);
      entry->state = fitbench::QueueState::Running;
      entry->runner_pid = pid;
      return true;
    });
  };
  claimBy(static_cast<int>(::getppid()));
  QTRY_COMPARE_WITH_TIMEOUT(panel.table()->item(2, 1)->text(), QStringLiteral("running elsewhere"), 10000);
  claimBy(deadPid());
  QTRY_COMPARE_WITH_TIMEOUT(panel.table()->item(2, 1)->text(), QStringLiteral("interrupted"), 10000);
}

void TestQueue::closedAndReopenedWindowFinishesEveryRun() {
  QTemporaryDir tmp;
  const std::filesystem::path root(tmp.path().toStdString());
  workspacetest::writeData(root);
  const QString ws = tmp.filePath("ws");
  QSettings().setValue(QStringLiteral("workspace/root"), ws);
  QSettings().setValue(QStringLiteral("queue/run"), false);
  fitbench::FitArgs args = workspacetest::lenetArgs(root);
  args.set("num-epochs", "4");
  std::string second;
  {
    auto window = std::make_unique<QuittingWindow>(args);
    QueuePanel* panel = window->findChild<QueuePanel*>();
    QVERIFY(panel != nullptr);
    QCOMPARE(panel->workspace(), ws);
    QVERIFY(panel->addSweep(QStringLiteral("lenet"), args, {QStringLiteral("lr=0.1,0.05,0.02,0.01")}).isEmpty());
    QCOMPARE(panel->entries().size(), size_t{4});
    second = panel->entries()[1].name;
    panel->setRunRequested(true);
    // The second run has saved its first epoch: close the window on it.
    const std::string prefix = (root / "ws" / second / "lenet").string();
    QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::exists(fitbench::params_path(prefix, 1)), kRunTimeoutMs);
    QVERIFY(window->isTraining());
    window->close();
  }
  const fitbench::RunQueue afterClose = queueOf(ws);
  QCOMPARE(afterClose.entries()[0].state, fitbench::QueueState::Done);
  QCOMPARE(afterClose.entries()[1].state, fitbench::QueueState::Running);
  QCOMPARE(afterClose.entries()[2].state, fitbench::QueueState::Queued);
  QVERIFY(QSettings().value(QStringLiteral("queue/run")).toBool());
  // Reopening happens in a new process; here the window's process goes on,
  // so the claim is handed to a pid that has ended, as the real close leaves it.
  fitbench::edit_queue(fitbench::queue_path(ws.toStdString()), [](fitbench::RunQueue& q) {
    q.find(q.entries()[1].id)->runner_pid = deadPid();
    return true;
  });

  QuittingWindow reopened(args);
  auto* panel = reopened.findChild<QueuePanel*>();
  QVERIFY(panel->runRequested());
  QTRY_VERIFY_WITH_TIMEOUT(
      [&] {
        for (const auto& e : queueOf(ws).entries())
          if (e.state != fitbench::QueueState::Done) return false;
        return true;
      }(),
      kRunTimeoutMs);
  // The second run's records: the part the close cut off, then one that
  // begins after its saved epoch instead of at 0.
  QList<int> begins;
  for (const auto& r : fitbench::read_run_records(fitbench::run_records_path((root / "ws" / second).string())).records)
    if (const auto* s = std::get_if<fitbench::StartRecord>(&r)) begins << s->begin_epoch;
  QCOMPARE(begins.size(), 2);
  QCOMPARE(begins[0], 0);
  QVERIFY2(begins[1] >= 1, qPrintable(QStringLiteral("resumed at epoch %1").arg(begins[1])));
  QVERIFY(std::filesystem::exists(fitbench::params_path((root / "ws" / second / "lenet").string(), 4)));
}

QTEST_MAIN(TestQueue)
#include "tst_queue.moc"
