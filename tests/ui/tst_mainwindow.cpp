// MainWindow and TrainerController: the window builds, a run that fit()
// rejects ends in finished() with the error (never a crash), a real run
// pauses, stops within a batch and is waited for by the destructor, a running
// run saves a checkpoint on request and takes a new learning rate, a run
// driven through the window fills the charts, shows its checkpoints in the
// browser and resumes from one, and every main view can be grabbed. With a
// dist_* kv-store and Processes > 1, Start runs worker processes under
// mpirun (on a hostfile's machines when one is given, refused when it cannot
// be read) and the same widgets show them, plus each rank's throughput and
// host. The
// window fits small screens, long texts leave its width as it is, and the
// wheel edits only a field that has the focus. Nothing is lost or overwritten
// without consent (issue 13): closing during a run asks and can stop with a
// checkpoint saved, a Start that would write over saved epochs offers a new
// prefix, a Start that fails keeps the last run's views and files, and
// Resume / Branch are off while a run is in progress, paused or not.
#include <QAbstractSlider>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <functional>
#include <memory>
#include <string>

#include "ArgsForm.h"
#include "CheckpointBrowser.h"
#include "ElidedLabel.h"
#include "ExperimentIo.h"
#include "ExperimentPresets.h"
#include "GpuListModel.h"
#include "GpuPicker.h"
#include "HelpMenu.h"
#include "MainWindow.h"
#include "MetricChart.h"
#include "MonitorModel.h"
#include "MonitorView.h"
#include "NonFiniteBanner.h"
#include "ProcessTrainer.h"
#include "RecentRuns.h"
#include "Screenshots.h"
#include "SeriesStore.h"
#include "TrainerController.h"
#include "TrainingCharts.h"
#include "fitbench/checkpoint.h"
#include "fitbench/file_util.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"
#include "fitbench/training_state.h"
#include "run_fixture.h"

namespace {

constexpr int kRunTimeoutMs = 180000;
const char* const kFashionMnistTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
// As --data-train, Fashion-MNIST without the validation pass of the default data.
const char* const kTrainOnly = "data-train=/usr/share/datasets/fashion-mnist";

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

// The text of a line edit, or of an editable combo box (the networks, the optimizers).
QString editorText(const MainWindow& window, const char* name) {
  QWidget* editor = window.argsForm()->editorFor(QString::fromLatin1(name));
  if (auto* line = qobject_cast<QLineEdit*>(editor)) return line->text();
  if (auto* combo = qobject_cast<QComboBox*>(editor)) return combo->currentText();
  return QStringLiteral("<no text editor %1>").arg(QString::fromLatin1(name));
}

void typeInto(QLineEdit* line, const QString& text) {
  line->selectAll();
  QTest::keyClick(line, Qt::Key_Delete);
  QTest::keyClicks(line, text);
}

fitbench::FinishInfo finishOf(const QSignalSpy& spy) {
  return qvariant_cast<fitbench::FinishInfo>(spy.at(0).at(0));
}

// Answers the window's questions as the test says, and keeps what they asked.
class AnsweringWindow : public MainWindow {
 public:
  explicit AnsweringWindow(const fitbench::FitArgs& args) : MainWindow(args) {}
  CloseChoice closeAnswer = CloseChoice::KeepTraining;
  OverwriteChoice overwriteAnswer = OverwriteChoice::Cancel;
  QList<bool> closeQuestions;             // canSave of each
  QList<QStringList> overwriteQuestions;  // the files of each

 protected:
  CloseChoice askCloseDuringRun(bool canSave) override {
    closeQuestions << canSave;
    return closeAnswer;
  }
  OverwriteChoice askOverwrite(const QStringList& files, const QString&) override {
    overwriteQuestions << files;
    return overwriteAnswer;
  }
};

// Runs `act` on the modal message box named `name` once it shows: the
// window's own dialogs, answered as a person would.
void whenDialogShows(QObject* owner, const QString& name, const std::function<void(QMessageBox*)>& act) {
  auto* timer = new QTimer(owner);
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, owner, [timer, name, act] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (box == nullptr || box->objectName() != name) return;
    timer->stop();
    timer->deleteLater();
    act(box);
  });
  timer->start();
}

QStringList buttonTexts(const QMessageBox* box) {
  QStringList texts;
  for (const QAbstractButton* button : box->buttons()) texts << button->text();
  return texts;
}

// lenet on the first 640 Fashion-MNIST images (10 batches an epoch, no
// validation), trained synchronously into `prefix`.
void trainRun(const QString& prefix, int epochs) {
  fitbench::FitOptions quiet;
  quiet.log_to_stderr = false;
  fitbench::fit(
      argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=640"),
                QStringLiteral("num-epochs=%1").arg(epochs), QStringLiteral("model-prefix=") + prefix}),
      quiet);
}

// Name -> SHA-1 of every file in `dir`.
QMap<QString, QByteArray> fileHashes(const QString& dir) {
  QMap<QString, QByteArray> hashes;
  for (const QString& name : QDir(dir).entryList(QDir::Files)) {
    QFile f(QDir(dir).filePath(name));
    if (f.open(QIODevice::ReadOnly))
      hashes[name] = QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha1);
  }
  return hashes;
}

size_t lossPoints(const MainWindow& window) {
  const SeriesStore* store = window.trainingCharts()->store();
  const int loss = store->find(QStringLiteral("loss"));
  return loss < 0 ? 0 : store->points(loss).size();
}

// One notch of the wheel, down, over the middle of `target`. Spontaneous, as
// from the window system (and as QTest sends mouse events): only then does
// QApplication pass a wheel the target ignores on to its parents.
void wheelDown(QWidget* target) {
  const QPointF pos = QRectF(target->rect()).center();
  QWheelEvent event(pos, target->mapToGlobal(pos), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QSpontaneKeyEvent::setSpontaneous(&event);
  qApp->notify(target, &event);
}

// What the wheel could change in a combo box, spin box or slider.
QString wheelValue(QWidget* widget) {
  if (auto* combo = qobject_cast<QComboBox*>(widget)) return combo->currentText();
  if (auto* spin = qobject_cast<QAbstractSpinBox*>(widget)) return spin->text();
  return QString::number(qobject_cast<QAbstractSlider*>(widget)->value());
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void windowConstructs();
  void experimentPanel();
  void presetsFillTheForm();
  void startDisabledWhileInvalid();
  void commandLineArgumentsFillTheForm();
  void pasteAndCopyCommandLine();
  void saveAndOpenExperiment();
  void controllerReportsErrors_data();
  void controllerReportsErrors();
  void windowShowsErrors();
  void startProblemsAreMarkedAndStartWritesNothing();
  void pauseAndStop();
  void divergedRunPausesWithABanner();
  void destructorStopsTheRun();
  void trainBrowseAndResume();
  void saveNowAndChangeLearningRate();
  void learningRateBoxFollowsTheRun();
  void runMenuShortcutsAndHelp();
  void closingDuringARunAsks();
  void closeQuestionOffersToSave();
  void stopAndSaveLeavesALoadableCheckpoint();
  void quitWithoutSavingClosesAtOnce();
  void resumeOfAnEarlierEpochBranchesByDefault();
  void startOverAnExistingPrefixAsks();
  void failedStartKeepsTheViewAndTheFiles_data();
  void failedStartKeepsTheViewAndTheFiles();
  void resumeAndBranchOffWhilePaused();
  void screenshotsOfEveryView();
  void devicesDockWritesGpus();
  void processesNeedADistStore();
  void processRunThroughTheWindow();
  void fitsSmallScreens();
  void longTextsKeepTheWidth();
  void wheelNeedsFocus();
  void sessionIsRemembered();
  void openRunFolder();
  void openRunFolderDuringARun();

 private:
  QTemporaryDir m_tmp;
};

void TestMainWindow::initTestCase() {
  // Windows remember their session when they close: in this test's own settings, not the tester's.
  QSettings::setDefaultFormat(QSettings::IniFormat);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_tmp.filePath(QStringLiteral("settings")));
}

// issue 13: nothing was remembered across restarts.
void TestMainWindow::sessionIsRemembered() {
  {
    MainWindow first;
    first.show();
    QVERIFY(QTest::qWaitForWindowExposed(&first));
    first.resize(1100, 650);
    first.setArgs(argsWith({QStringLiteral("lr=0.123"), QStringLiteral("network=mlp")}));
    first.findChild<QDockWidget*>(QStringLiteral("queueDock"))->close();
    first.findChild<QSpinBox*>(QStringLiteral("processesSpin"))->setValue(3);
    first.findChild<QLineEdit*>(QStringLiteral("hostfileEdit"))->setText(QStringLiteral("/shared/hosts"));
    first.close();
  }
  MainWindow again;
  QCOMPARE(again.args().get_float("lr"), 0.05);  // the default, until the session is restored
  QVERIFY(!again.findChild<QDockWidget*>(QStringLiteral("queueDock"))->isHidden());
  again.restoreSession(true);
  again.show();
  QVERIFY(QTest::qWaitForWindowExposed(&again));
  QCOMPARE(again.args().get_float("lr"), 0.123);
  QCOMPARE(again.args().get_string("network"), std::string("mlp"));
  QCOMPARE(again.size(), QSize(1100, 650));
  QVERIFY(again.findChild<QDockWidget*>(QStringLiteral("queueDock"))->isHidden());
  QCOMPARE(again.findChild<QSpinBox*>(QStringLiteral("processesSpin"))->value(), 3);
  QCOMPARE(again.findChild<QLineEdit*>(QStringLiteral("hostfileEdit"))->text(),
           QStringLiteral("/shared/hosts"));
  // With arguments on the command line, those win over the saved form.
  MainWindow given(argsWith({QStringLiteral("lr=0.2")}));
  given.restoreSession(false);
  QCOMPARE(given.args().get_float("lr"), 0.2);
}

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
  // The run's own controls wait for a run.
  QVERIFY(!window.findChild<QPushButton*>(QStringLiteral("saveCheckpointButton"))->isEnabled());
  QVERIFY(!window.findChild<QPushButton*>(QStringLiteral("setLrButton"))->isEnabled());
  QCOMPARE(window.findChild<QDoubleSpinBox*>(QStringLiteral("lrSpin"))->value(), 0.05);
  QVERIFY(window.findChild<QProgressBar*>(QStringLiteral("batchProgress")));
  QVERIFY(window.findChild<QProgressBar*>(QStringLiteral("epochProgress")));
  QVERIFY(!window.windowIcon().isNull());

  QCOMPARE(window.args().get_string("network"), std::string("lenet"));
  QCOMPARE(window.args().get_int("batch-size"), 64);
  QCOMPARE(window.args().get_float("lr"), 0.05);
  QCOMPARE(window.args().get_int("num-epochs"), 3);
  QCOMPARE(window.args().get_int("disp-batches"), 100);
  QCOMPARE(window.args().get_string("model-prefix"), std::string("runs/default/lenet"));
}

void TestMainWindow::experimentPanel() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  auto* dock = window.findChild<QDockWidget*>(QStringLiteral("experimentDock"));
  QVERIFY(dock && dock->isVisible());
  QCOMPARE(window.dockWidgetArea(dock), Qt::LeftDockWidgetArea);
  QVERIFY(window.argsForm() && window.argsForm()->isVisible());
  QVERIFY(window.argsForm()->args() == MainWindow::defaultExperiment());
  QVERIFY(window.args() == MainWindow::defaultExperiment());
  QCOMPARE(editorText(window, "network"), QStringLiteral("lenet"));
  QCOMPARE(editorText(window, "num-epochs"), QStringLiteral("3"));
  for (const char* name :
       {"openExperimentAction", "saveExperimentAction", "copyCommandLineAction", "pasteCommandLineAction"}) {
    auto* action = window.findChild<QAction*>(QString::fromLatin1(name));
    QVERIFY2(action && action->isEnabled(), name);
  }
  // An edit reaches args() at once.
  typeInto(window.argsForm()->findChild<QLineEdit*>(QStringLiteral("lr")), QStringLiteral("0.2"));
  QCOMPARE(window.args().get_float("lr"), 0.2);
}

void TestMainWindow::presetsFillTheForm() {
  MainWindow window;
  auto* combo = window.findChild<QComboBox*>(QStringLiteral("presetCombo"));
  auto* description = window.findChild<QLabel*>(QStringLiteral("presetDescription"));
  QVERIFY(combo && description);
  QCOMPARE(combo->count(), static_cast<int>(ExperimentPresets::all().size()) + 1);
  QCOMPARE(combo->currentIndex(), 0);  // the default experiment is no preset
  for (const ExperimentPresets::Preset& preset : ExperimentPresets::all()) {
    QVERIFY(window.applyPreset(preset.name));
    QVERIFY(window.args() == preset.args);
    QVERIFY(window.argsForm()->args() == preset.args);
    QCOMPARE(combo->currentText(), preset.name);
    QCOMPARE(description->text(), preset.description);
  }
  QCOMPARE(window.windowTitle(), QStringLiteral("fitbench — resnet"));
  QVERIFY(!window.applyPreset(QStringLiteral("no such preset")));
  // An edit makes it custom.
  typeInto(window.argsForm()->findChild<QLineEdit*>(QStringLiteral("lr")), QStringLiteral("0.3"));
  QCOMPARE(combo->currentIndex(), 0);
}

void TestMainWindow::startDisabledWhileInvalid() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  auto* batch = window.argsForm()->findChild<QLineEdit*>(QStringLiteral("batch-size"));
  QVERIFY(start && batch);
  QVERIFY(start->isEnabled());
  typeInto(batch, QStringLiteral("0"));
  QVERIFY(!window.argsForm()->isValid());
  QVERIFY(!start->isEnabled());
  QVERIFY2(start->toolTip().contains(QStringLiteral("argument --batch-size: must be >= 1, got 0")),
           qPrintable(start->toolTip()));
  window.startTraining();  // refused while invalid
  QVERIFY(!window.controller()->isRunning());
  QCOMPARE(window.args().get_int("batch-size"), 64);
  typeInto(batch, QStringLiteral("32"));
  QVERIFY(start->isEnabled());
  QCOMPARE(window.args().get_int("batch-size"), 32);
}

void TestMainWindow::commandLineArgumentsFillTheForm() {
  // What app/fitbench_main.cpp does with `fitbench --network mlp --lr 0.1 --gpus ''`.
  const fitbench::FitArgs args = fitbench::parse_command_line(
      {"--network", "mlp", "--lr", "0.1", "--kv-store", "local"}, MainWindow::defaultExperiment());
  MainWindow window(args);
  QVERIFY(window.args() == args);
  QCOMPARE(editorText(window, "network"), QStringLiteral("mlp"));
  QCOMPARE(editorText(window, "lr"), QStringLiteral("0.1"));
  QCOMPARE(editorText(window, "batch-size"), QStringLiteral("64"));
  auto* kvStore = window.argsForm()->findChild<QComboBox*>(QStringLiteral("kv-store"));
  QVERIFY(kvStore);
  QCOMPARE(kvStore->currentText(), QStringLiteral("local"));
  QCOMPARE(window.windowTitle(), QStringLiteral("fitbench — mlp"));
}

void TestMainWindow::pasteAndCopyCommandLine() {
  MainWindow window;
  const QString line = QStringLiteral(
      "python train_mnist.py --network lenet --gpus 0 --batch-size 64 --lr 0.05 --num-epochs 10 "
      "--lr-step-epochs 5 --model-prefix runs/lenet/lenet");
  QCOMPARE(window.pasteCommandLine(line), QString());
  QCOMPARE(editorText(window, "network"), QStringLiteral("lenet"));
  QCOMPARE(editorText(window, "gpus"), QStringLiteral("0"));
  QCOMPARE(editorText(window, "num-epochs"), QStringLiteral("10"));
  QCOMPARE(editorText(window, "lr-step-epochs"), QStringLiteral("5"));
  QCOMPARE(editorText(window, "disp-batches"), QStringLiteral("100"));  // train_mnist.py's default
  QCOMPARE(window.args().get_string("model-prefix"), std::string("runs/lenet/lenet"));

  const QString copied = window.copyCommandLine();
  QCOMPARE(copied, QStringLiteral("fitbench-cli --network lenet --gpus 0 --num-epochs 10 --lr-step-epochs 5 "
                                  "--model-prefix runs/lenet/lenet"));
  QCOMPARE(QGuiApplication::clipboard()->text(), copied);

  // A bad line changes nothing and says why in one line.
  const fitbench::FitArgs before = window.args();
  QCOMPARE(window.pasteCommandLine(QStringLiteral("fitbench-cli --lr abc")),
           QStringLiteral("argument --lr: invalid float value: 'abc'"));
  QVERIFY(window.args() == before);
  // The copied line reads back as the same experiment.
  MainWindow other;
  QCOMPARE(other.pasteCommandLine(copied), QString());
  QVERIFY(other.args() == window.args());
}

void TestMainWindow::saveAndOpenExperiment() {
  QVERIFY(m_tmp.isValid());
  MainWindow window;
  QVERIFY(window.applyPreset(QStringLiteral("ResNet-20 CIFAR shape")));
  const QString path = m_tmp.filePath(QStringLiteral("resnet.json"));
  QCOMPARE(window.saveExperiment(path), QString());

  MainWindow other;
  QCOMPARE(other.openExperiment(path), QString());
  QVERIFY(other.args() == window.args());
  QCOMPARE(editorText(other, "num-layers"), QStringLiteral("20"));

  const QString corrupt = m_tmp.filePath(QStringLiteral("corrupt.json"));
  QFile file(corrupt);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("{\"network\": \"lenet\",");
  file.close();
  const QString error = other.openExperiment(corrupt);
  QVERIFY2(error.startsWith(QStringLiteral("Cannot open the experiment ") + corrupt + QStringLiteral(": ")),
           qPrintable(error));
  QVERIFY2(error.contains(QStringLiteral("parse error")), qPrintable(error));
  QVERIFY(other.args() == window.args());  // unchanged
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

// A run that fails while it sets up (labels the network cannot predict).
void TestMainWindow::windowShowsErrors() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  MainWindow window(argsWith({QStringLiteral("num-classes=5")}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("window-run")));
  window.show();
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  auto* status = window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"));
  QVERIFY(start && status);

  QSignalSpy finished(window.controller(), &TrainerController::finished);
  QVERIFY(!window.argsForm()->isReadOnly());
  QTest::mouseClick(start, Qt::LeftButton);
  QVERIFY(!start->isEnabled());
  // The form only shows the arguments while the run goes on.
  QVERIFY(window.argsForm()->isReadOnly());
  QVERIFY(!window.findChild<QComboBox*>(QStringLiteral("presetCombo"))->isEnabled());
  QVERIFY(!window.findChild<QAction*>(QStringLiteral("openExperimentAction"))->isEnabled());
  QVERIFY(!window.pasteCommandLine(QStringLiteral("fitbench-cli --lr 0.2")).isEmpty());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY(start->isEnabled());
  QVERIFY(!window.argsForm()->isReadOnly());
  QVERIFY2(status->text().startsWith(QStringLiteral("Failed")), qPrintable(status->text()));
  // The core's message is shown as it is, in a box that does not block the window.
  auto* box = window.findChild<QMessageBox*>(QStringLiteral("trainingErrorBox"));
  QVERIFY(box != nullptr);
  QTRY_VERIFY(box->isVisible());
  QVERIFY(!box->isModal() || box->windowModality() == Qt::WindowModal);
  QVERIFY2(box->text().contains(QStringLiteral("--num-classes")), qPrintable(box->text()));
}

// issue 13: paths must exist before Start. What the core's start check finds
// is marked on its field as the form changes, and Start refuses, writing nothing.
void TestMainWindow::startProblemsAreMarkedAndStartWritesNothing() {
  const QString missing = m_tmp.filePath(QStringLiteral("no-such-data"));
  const QString runDir = m_tmp.filePath(QStringLiteral("refused-run"));
  MainWindow window(argsWith({QStringLiteral("data-train=") + missing,
                              QStringLiteral("model-prefix=") + runDir + QStringLiteral("/mlp")}));
  window.controller()->setRunDir(runDir);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  auto* field = window.argsForm()->editorFor(QStringLiteral("data-train"));
  QVERIFY(field != nullptr);
  QVERIFY(field->property("invalid").toBool());
  QVERIFY2(field->toolTip().contains(missing + QStringLiteral(" does not exist")), qPrintable(field->toolTip()));
  const QString formStatus = window.findChild<ElidedLabel*>(QStringLiteral("argsStatus"))->text();
  QVERIFY2(formStatus.startsWith(QStringLiteral("argument --data-train: ")), qPrintable(formStatus));
  // Start is off, and says why.
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  QVERIFY(!start->isEnabled());
  QVERIFY2(start->toolTip().contains(missing + QStringLiteral(" does not exist")), qPrintable(start->toolTip()));

  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QVERIFY(!window.isTraining());
  QVERIFY2(window.statusBar()->currentMessage().startsWith(QStringLiteral("Cannot start: argument --data-train")),
           qPrintable(window.statusBar()->currentMessage()));
  QTest::qWait(100);
  QCOMPARE(finished.count(), 0);
  QVERIFY(!QFileInfo::exists(runDir));

  // The folder comes: the mark goes at the next change, and Start checks again.
  QVERIFY(QDir().mkpath(missing));
  window.startTraining();  // refuses nothing now; stop the run at once
  QVERIFY(!field->property("invalid").toBool());
  QVERIFY(window.isTraining());
  // The refusal's message went with its reason.
  QVERIFY2(!window.statusBar()->currentMessage().startsWith(QStringLiteral("Cannot start")),
           qPrintable(window.statusBar()->currentMessage()));
  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
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

// issue 12: a diverged run pauses, the banner names the layer, the monitor
// shows it, and "Resume with this rate" goes on to a finished run.
void TestMainWindow::divergedRunPausesWithABanner() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString prefix = m_tmp.filePath(QStringLiteral("diverge-ckpt/mlp"));
  MainWindow window(argsWith({QStringLiteral("network=mlp"), QStringLiteral("lr=1e6"),
                              QStringLiteral("num-examples=640"), QStringLiteral("model-prefix=") + prefix}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("diverge-run")));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  auto* banner = window.findChild<NonFiniteBanner*>(QStringLiteral("nonFiniteBanner"));
  auto* status = window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"));
  auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("chartTabs"));
  QVERIFY(banner && status && tabs);
  QVERIFY(!banner->isVisible());

  window.startTraining();
  QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() || finished.count() > 0, kRunTimeoutMs);
  if (finished.count() > 0) QFAIL(("the run ended without pausing: " + finishOf(finished).error).c_str());
  QVERIFY(window.controller()->isPaused());
  QVERIFY2(banner->message().contains(QStringLiteral("layer 'fc3'")), qPrintable(banner->message()));
  QVERIFY2(status->text().contains(QStringLiteral("the run diverged")), qPrintable(status->text()));
  QCOMPARE(tabs->currentWidget(), window.monitorView());
  QTRY_COMPARE(window.monitorView()->selectedParameter(), QStringLiteral("fc3_output"));
  QCOMPARE(banner->proposedRate(), 1e5);  // a tenth of the rate that diverged

  auto* rate = banner->findChild<QDoubleSpinBox*>(QStringLiteral("nonFiniteRate"));
  auto* resume = banner->findChild<QPushButton*>(QStringLiteral("nonFiniteResume"));
  QVERIFY(rate && resume);
  rate->setValue(1e-8);
  QTest::mouseClick(resume, Qt::LeftButton);
  QVERIFY(!banner->isVisible());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo info = finishOf(finished);
  QVERIFY2(info.error.empty(), info.error.c_str());
  QVERIFY(info.completed);
  QVERIFY(!banner->isVisible());
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

void TestMainWindow::trainBrowseAndResume() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString prefix = m_tmp.filePath(QStringLiteral("browse/lenet"));
  AnsweringWindow window(argsWith({QStringLiteral("num-examples=2000"), QStringLiteral("num-epochs=3"),
                                   QStringLiteral("disp-batches=5"), QStringLiteral("monitor=10"),
                                   QStringLiteral("model-prefix=") + prefix}));
  // The stop may come after epoch 2 was saved too; resuming epoch 1 then writes over it.
  window.overwriteAnswer = MainWindow::OverwriteChoice::Overwrite;
  TrainerController* controller = window.controller();
  QSignalSpy checkpoints(controller, &TrainerController::checkpointSaved);
  QSignalSpy finished(controller, &TrainerController::finished);

  // Train on a 2,000-image subset of Fashion-MNIST and stop after the first checkpoint.
  window.findChild<QPushButton*>(QStringLiteral("startButton"))->click();
  QTRY_VERIFY_WITH_TIMEOUT(checkpoints.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());

  // The loss chart got the batches (the coalescing timer flushed them).
  const SeriesStore* store = window.trainingCharts()->store();
  QTRY_VERIFY(store->find(QStringLiteral("loss")) >= 0 &&
              !store->points(store->find(QStringLiteral("loss"))).empty());
  // --monitor 10 sampled the network into the Monitor tab: lenet's weights among its rows.
  const MonitorModel* monitor = window.monitorView()->model();
  QVERIFY(monitor->sampleCount() > 0);
  QVERIFY(!monitor->match(monitor->index(0, 0), Qt::DisplayRole, QStringLiteral("convolution0_weight"), 1,
                          Qt::MatchExactly)
               .isEmpty());

  // The browser shows the run's directory with at least epoch 1.
  CheckpointBrowser* browser = window.checkpointBrowser();
  QTRY_VERIFY_WITH_TIMEOUT(browser->model()->rowCount() >= 1, 10000);
  QCOMPARE(browser->model()
               ->data(browser->model()->index(0, CheckpointModel::EpochColumn), CheckpointModel::RawRole)
               .toInt(),
           1);

  // Resume from epoch 1: the run loads it and trains the remaining epochs.
  browser->selectRow(0);
  QTRY_VERIFY_WITH_TIMEOUT(browser->findChild<QPushButton*>(QStringLiteral("resumeButton"))->isEnabled(),
                           10000);
  finished.clear();
  browser->findChild<QPushButton*>(QStringLiteral("resumeButton"))->click();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  const fitbench::FinishInfo resumed = finishOf(finished);
  QVERIFY2(resumed.error.empty(), resumed.error.c_str());
  QVERIFY(resumed.completed);
  QCOMPARE(window.args().get_int("load-epoch"), 1);
  QTRY_VERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("logView"))
                  ->toPlainText()
                  .contains(QStringLiteral("Loaded model")));
  QVERIFY(QFile::exists(QString::fromStdString(fitbench::params_path(prefix.toStdString(), 3))));
  // Epochs 1 to 3, and the partial checkpoint the Stop saved.
  QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 4, 10000);
  QStringList prefixes;
  for (int row = 0; row < 4; ++row)
    prefixes << browser->model()->index(row, CheckpointModel::PrefixColumn).data().toString();
  QCOMPARE(prefixes.count(QStringLiteral("lenet")), 3);
  QCOMPARE(prefixes.count(QStringLiteral("lenet-partial")), 1);
  // issue 13: the newest row's accuracies stayed blank until the next save,
  // since the epoch's record is written after its checkpoint.
  const int newest = static_cast<int>(prefixes.lastIndexOf(QStringLiteral("lenet")));
  QCOMPARE(browser->model()->entry(newest).epoch, 3);
  for (int column : {CheckpointModel::TrainColumn, CheckpointModel::ValidationColumn})
    QTRY_VERIFY_WITH_TIMEOUT(browser->model()->index(newest, column).data(CheckpointModel::RawRole).isValid(),
                             10000);
}

void TestMainWindow::saveNowAndChangeLearningRate() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  // --save-period 100: no epoch of this run saves unless asked to.
  const QString prefix = m_tmp.filePath(QStringLiteral("save-now/lenet"));
  MainWindow window(argsWith({QStringLiteral("num-examples=3200"), QStringLiteral("num-epochs=2"),
                              QStringLiteral("save-period=100"), QStringLiteral("model-prefix=") + prefix}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("save-now-run")));
  TrainerController* controller = window.controller();
  QSignalSpy batches(controller, &TrainerController::batchEnded);
  QSignalSpy checkpoints(controller, &TrainerController::checkpointSaved);
  QSignalSpy finished(controller, &TrainerController::finished);
  auto* save = window.findChild<QPushButton*>(QStringLiteral("saveCheckpointButton"));
  auto* lrSpin = window.findChild<QDoubleSpinBox*>(QStringLiteral("lrSpin"));
  auto* setLr = window.findChild<QPushButton*>(QStringLiteral("setLrButton"));

  window.startTraining();
  QVERIFY(save->isEnabled() && setLr->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  QCOMPARE(finished.count(), 0);
  // Both commands are taken at the next batch boundary; pausing makes sure one follows.
  window.togglePause();
  // Paused shows: on the batch bar and in the status line, not only on the button.
  QVERIFY(window.findChild<QProgressBar*>(QStringLiteral("batchProgress"))->format().startsWith("paused"));
  QVERIFY2(window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"))->text().startsWith("Paused in epoch 1"),
           qPrintable(window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"))->text()));
  save->click();
  lrSpin->setValue(0.0123);
  setLr->click();
  window.togglePause();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  QVERIFY(finishOf(finished).completed);

  // Exactly the epoch the button was pressed in was saved.
  QCOMPARE(checkpoints.count(), 1);
  const auto saved = qvariant_cast<fitbench::CheckpointInfo>(checkpoints.at(0).at(0));
  QVERIFY(QFile::exists(QString::fromStdString(saved.params_path)));
  // The last batches used the new rate, and the log says when it took effect.
  const SeriesStore* store = window.trainingCharts()->store();
  const int lr = store->find(QStringLiteral("learning rate"));
  QVERIFY(lr >= 0);
  QCOMPARE(store->points(lr).back().y(), 0.0123);
  QVERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("logView"))
              ->toPlainText()
              .contains(QStringLiteral("Learning rate set to 1.23000e-02")));
  // The run's progress reached its end, and its controls are off again.
  QCOMPARE(window.findChild<QProgressBar*>(QStringLiteral("epochProgress"))->value(), 2);
  QVERIFY(!save->isEnabled() && !setLr->isEnabled());
}

// issue 13: the lr box showed 0.05 while the schedule was at 0.005, so Set lr
// would have undone the schedule. It follows the run, until the person edits it.
void TestMainWindow::learningRateBoxFollowsTheRun() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QStringList settings{QStringLiteral("num-examples=640"), QStringLiteral("num-epochs=2"),
                             QStringLiteral("lr-step-epochs=1"), QStringLiteral("lr-factor=0.1"), kTrainOnly,
                             QStringLiteral("model-prefix=") + m_tmp.filePath(QStringLiteral("lr-follow/lenet"))};
  AnsweringWindow window(argsWith(settings));
  window.overwriteAnswer = MainWindow::OverwriteChoice::Overwrite;  // the second run trains the same prefix again
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("lr-follow-run")));
  auto* lrSpin = window.findChild<QDoubleSpinBox*>(QStringLiteral("lrSpin"));
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QCOMPARE(lrSpin->value(), 0.005);  // epoch 1's rate, after the step

  // An edit the person has not applied yet stays as typed.
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  window.startTraining();
  QCOMPARE(lrSpin->value(), 0.05);  // a new run starts from its --lr
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0, kRunTimeoutMs);
  lrSpin->setValue(0.3);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kRunTimeoutMs);
  QCOMPARE(lrSpin->value(), 0.3);
}

// issue 13: no shortcuts for Start, Pause or Stop, and no Help menu.
void TestMainWindow::runMenuShortcutsAndHelp() {
  MainWindow window;
  auto* start = window.findChild<QAction*>(QStringLiteral("startButtonAction"));
  auto* stop = window.findChild<QAction*>(QStringLiteral("stopButtonAction"));
  QVERIFY(start && stop);
  QCOMPARE(start->shortcut(), QKeySequence(Qt::Key_F5));
  QVERIFY(start->isEnabled());
  QVERIFY(!stop->isEnabled());  // as its button: nothing runs
  auto* help = window.findChild<HelpMenu*>();
  QVERIFY(help != nullptr);
  const QStringList lines = help->shortcutLines();
  for (const QString& expected : {QStringLiteral("F5\tStart"), QStringLiteral("F6\tPause"),
                                  QStringLiteral("Shift+F5\tStop"), QStringLiteral("Ctrl+Q\tQuit")})
    QVERIFY2(lines.contains(expected), qPrintable(lines.join(QStringLiteral(" | "))));
  QVERIFY(window.findChild<QAction*>(QStringLiteral("aboutAction")) != nullptr);
  // A program two folders down the source tree (build/app) opens the tree's README.
  QCOMPARE(HelpMenu::readmeFor(QStringLiteral(FITBENCH_SOURCE_DIR "/tests/ui")),
           QFileInfo(QStringLiteral(FITBENCH_SOURCE_DIR "/README.md")).canonicalFilePath());
  QVERIFY(HelpMenu::readmeFor(QDir::tempPath()).isEmpty());
}

// issue 13: Alt+F4 or Ctrl+Q during training closed the window at once, and
// the epoch in progress was lost.
void TestMainWindow::closingDuringARunAsks() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  AnsweringWindow window(
      argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                QStringLiteral("model-prefix=") + m_tmp.filePath(QStringLiteral("close/lenet"))}));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QVERIFY(window.overwriteQuestions.isEmpty());  // a new prefix starts without a question
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  QCOMPARE(finished.count(), 0);

  window.closeAnswer = MainWindow::CloseChoice::KeepTraining;
  QVERIFY(!window.close());
  QCOMPARE(window.closeQuestions, QList<bool>{true});
  QVERIFY(window.isVisible() && window.isTraining());
  // File > Quit (Ctrl+Q on X11; the offscreen platform binds no key to it) asks the same.
  auto* quit = window.findChild<QAction*>(QStringLiteral("quitAction"));
  QVERIFY(quit != nullptr);
  quit->trigger();
  QCOMPARE(window.closeQuestions.size(), 2);
  QVERIFY(window.isVisible() && window.isTraining());

  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  // Once the run has ended, closing asks nothing.
  QVERIFY(window.close());
  QCOMPARE(window.closeQuestions.size(), 2);
}

// The question itself: Stop and save is the default, and it says what it writes.
void TestMainWindow::closeQuestionOffersToSave() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  MainWindow window(
      argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                QStringLiteral("model-prefix=") + m_tmp.filePath(QStringLiteral("question/lenet"))}));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);

  QStringList buttons;
  QString defaultButton, informative;
  whenDialogShows(&window, QStringLiteral("closeQuestion"), [&](QMessageBox* box) {
    buttons = buttonTexts(box);
    defaultButton = box->defaultButton() != nullptr ? box->defaultButton()->text() : QString();
    informative = box->informativeText();
    QTest::keyClick(box, Qt::Key_Escape);  // Keep training
  });
  QVERIFY(!window.close());
  QVERIFY(window.isTraining());
  QCOMPARE(defaultButton, QStringLiteral("Stop and save a checkpoint"));
  QVERIFY2(buttons.contains(QStringLiteral("Keep training")) &&
               buttons.contains(QStringLiteral("Quit without saving")),
           qPrintable(buttons.join(QLatin1Char('|'))));
  QVERIFY2(informative.contains(QStringLiteral("lenet-partial-0000.params")), qPrintable(informative));
  QVERIFY2(informative.contains(QStringLiteral("goes on with the next batch of epoch 1")),
           qPrintable(informative));
  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
}

// Stop and save ends the run with the weights so far on disk, then closes.
void TestMainWindow::stopAndSaveLeavesALoadableCheckpoint() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const std::string prefix = m_tmp.filePath(QStringLiteral("stop-save/lenet")).toStdString();
  AnsweringWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                                   QStringLiteral("model-prefix=") + QString::fromStdString(prefix)}));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  QSignalSpy checkpoints(window.controller(), &TrainerController::checkpointSaved);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  window.togglePause();  // mid-epoch for sure

  window.closeAnswer = MainWindow::CloseChoice::StopAndSave;
  QVERIFY(!window.close());  // not yet: it waits for the save
  QVERIFY(window.isVisible());
  const QString status = window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"))->text();
  QVERIFY2(status.contains(QStringLiteral("Saving a checkpoint")), qPrintable(status));
  QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), kRunTimeoutMs);
  QCOMPARE(finished.count(), 1);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  QVERIFY(finishOf(finished).stopped);

  const std::string partial = fitbench::partial_prefix(prefix);
  QCOMPARE(checkpoints.count(), 1);
  const auto saved = qvariant_cast<fitbench::CheckpointInfo>(checkpoints.at(0).at(0));
  QCOMPARE(saved.params_path, fitbench::params_path(partial, 0));
  QVERIFY(!QFile::exists(QString::fromStdString(fitbench::params_path(prefix, 1))));
  const fitbench::Checkpoint loaded = fitbench::load_checkpoint(partial, 0);
  QVERIFY(loaded.arg_params.count("convolution0_weight") == 1);
  const fitbench::TrainingState state = fitbench::load_training_state(fitbench::states_path(partial, 0));
  QCOMPARE(state.num_update, static_cast<int64_t>(batches.count()));
  QCOMPARE(state.batches_done, static_cast<int64_t>(batches.count()));
  QVERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("logView"))
              ->toPlainText()
              .contains(QStringLiteral("goes on with batch %1 of epoch 0").arg(batches.count())));
}

void TestMainWindow::quitWithoutSavingClosesAtOnce() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const std::string prefix = m_tmp.filePath(QStringLiteral("quit/lenet")).toStdString();
  AnsweringWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                                   QStringLiteral("model-prefix=") + QString::fromStdString(prefix)}));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  window.closeAnswer = MainWindow::CloseChoice::QuitWithoutSaving;
  QVERIFY(window.close());
  QVERIFY(!window.isVisible());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY(finishOf(finished).stopped);
  QVERIFY(!QFile::exists(QString::fromStdString(fitbench::params_path(fitbench::partial_prefix(prefix), 0))));
}

// issue 13: "Resume from this epoch" on epoch 2 of a 4-epoch run rewrote
// lenet-0003 and lenet-0004. The question's default moves the run to a new prefix.
void TestMainWindow::resumeOfAnEarlierEpochBranchesByDefault() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString dir = m_tmp.filePath(QStringLiteral("four"));
  trainRun(dir + QStringLiteral("/lenet"), 4);
  const QMap<QString, QByteArray> before = fileHashes(dir);
  QVERIFY(before.contains(QStringLiteral("lenet-0003.params")) &&
          before.contains(QStringLiteral("lenet-0004.params")));

  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  CheckpointBrowser* browser = window.checkpointBrowser();
  browser->setDirectory(dir);
  QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 4, 10000);
  browser->selectRow(1);
  QCOMPARE(browser->model()->entry(1).epoch, 2);
  auto* resume = browser->findChild<QPushButton*>(QStringLiteral("resumeButton"));
  QTRY_VERIFY_WITH_TIMEOUT(resume->isEnabled(), 10000);

  QString listed, defaultButton;
  whenDialogShows(&window, QStringLiteral("overwriteQuestion"), [&](QMessageBox* box) {
    listed = box->informativeText();
    defaultButton = box->defaultButton() != nullptr ? box->defaultButton()->text() : QString();
    QTest::keyClick(box, Qt::Key_Return);
  });
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  resume->click();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  QVERIFY(finishOf(finished).completed);

  QCOMPARE(defaultButton, QStringLiteral("Branch into a new prefix"));
  for (const char* name :
       {"lenet-0003.params", "lenet-0003.states", "lenet-0004.params", "lenet-0004.states"})
    QVERIFY2(listed.contains(QString::fromLatin1(name)), qPrintable(listed));
  QVERIFY2(!listed.contains(QStringLiteral("lenet-0002")), qPrintable(listed));
  const QString branchDir = m_tmp.filePath(QStringLiteral("four-branch-e2"));
  QCOMPARE(QString::fromStdString(window.args().get_string("model-prefix")),
           branchDir + QStringLiteral("/lenet"));
  QCOMPARE(QString::fromStdString(window.args().get_string("load-prefix")), dir + QStringLiteral("/lenet"));
  // The original run, lenet-0003.params among it, byte for byte.
  QCOMPARE(fileHashes(dir), before);
  QVERIFY(QFile::exists(branchDir + QStringLiteral("/lenet-0003.params")));
  QVERIFY(QFile::exists(branchDir + QStringLiteral("/lenet-0004.params")));
}

// issue 13: a new run over an existing --model-prefix rewrote its lenet-0001.params.
void TestMainWindow::startOverAnExistingPrefixAsks() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString dir = m_tmp.filePath(QStringLiteral("existing"));
  const std::string prefix = (dir + QStringLiteral("/lenet")).toStdString();
  trainRun(QString::fromStdString(prefix), 1);
  const QMap<QString, QByteArray> before = fileHashes(dir);
  AnsweringWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=640"),
                                   QStringLiteral("num-epochs=2"),
                                   QStringLiteral("model-prefix=") + QString::fromStdString(prefix)}));
  const auto native = [](const std::string& path) {
    return QDir::toNativeSeparators(QString::fromStdString(path));
  };

  window.overwriteAnswer = MainWindow::OverwriteChoice::Cancel;
  window.startTraining();
  QCOMPARE(window.overwriteQuestions.size(), 1);
  QCOMPARE(window.overwriteQuestions[0],
           (QStringList{native(fitbench::params_path(prefix, 1)), native(fitbench::states_path(prefix, 1)),
                        native(fitbench::symbol_path(prefix))}));
  QVERIFY(!window.isTraining());
  QCOMPARE(fileHashes(dir), before);

  // Branch: the form's prefix moves to a new directory beside it, where the run saves.
  window.overwriteAnswer = MainWindow::OverwriteChoice::Branch;
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  QCOMPARE(window.overwriteQuestions.size(), 2);
  const QString branch = m_tmp.filePath(QStringLiteral("existing-2/lenet"));
  QCOMPARE(QString::fromStdString(window.args().get_string("model-prefix")), branch);
  QVERIFY(QFile::exists(QString::fromStdString(fitbench::params_path(branch.toStdString(), 2))));
  QCOMPARE(fileHashes(dir), before);

  // Overwrite: once the run has started, the browser lists the epochs saved
  // under the prefix (issue 13 saw none), before the run saves its own.
  window.setArgs(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=640"),
                           QStringLiteral("num-epochs=2"),
                           QStringLiteral("model-prefix=") + QString::fromStdString(prefix)}));
  window.overwriteAnswer = MainWindow::OverwriteChoice::Overwrite;
  QSignalSpy started(window.controller(), &TrainerController::runStarted);
  finished.clear();
  window.startTraining();
  QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, kRunTimeoutMs);
  // The spy hears the trainer's thread at once; the window, through its event loop.
  QTRY_COMPARE_WITH_TIMEOUT(window.checkpointBrowser()->directory(), dir, 10000);
  QTRY_VERIFY_WITH_TIMEOUT(window.checkpointBrowser()->model()->rowCount() >= 1, 10000);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
}

void TestMainWindow::failedStartKeepsTheViewAndTheFiles_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("setting");
  QTest::addColumn<bool>("refusedBeforeStart");  // a start problem, or a failure while setting up
  QTest::newRow("missing data") << QStringLiteral("data")
                                << QStringLiteral("data-train=/nonexistent/fitbench/train-images-idx3-ubyte.gz")
                                << true;
  QTest::newRow("missing checkpoint") << QStringLiteral("checkpoint") << QStringLiteral("load-epoch=7") << true;
  QTest::newRow("labels out of range") << QStringLiteral("labels") << QStringLiteral("num-classes=5") << false;
}

// issue 13: a Start that failed wrote config.json next to the finished run's
// metrics.jsonl and checkpoints, and wiped its curves from the charts.
void TestMainWindow::failedStartKeepsTheViewAndTheFiles() {
  QFETCH(QString, name);
  QFETCH(QString, setting);
  QFETCH(bool, refusedBeforeStart);
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString dir = m_tmp.filePath(QStringLiteral("failed-") + name);
  AnsweringWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=640"),
                                   QStringLiteral("monitor=5"),
                                   QStringLiteral("model-prefix=") + dir + QStringLiteral("/lenet")}));
  // Overwriting is what the person chose; the failure must still write nothing.
  window.overwriteAnswer = MainWindow::OverwriteChoice::Overwrite;
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  CheckpointBrowser* browser = window.checkpointBrowser();
  QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 1, 10000);
  const size_t points = lossPoints(window);
  QCOMPARE(points, size_t(10));
  const int samples = window.monitorView()->model()->sampleCount();
  QVERIFY(samples > 0);
  const QMap<QString, QByteArray> before = fileHashes(dir);
  QVERIFY(before.contains(QStringLiteral("config.json")) && before.contains(QStringLiteral("metrics.jsonl")));

  const qsizetype eq = setting.indexOf(QLatin1Char('='));
  fitbench::FitArgs failing = window.args();
  failing.set(setting.left(eq).toStdString(), setting.mid(eq + 1).toStdString());
  window.setArgs(failing);
  window.startTraining();
  if (refusedBeforeStart) {
    QVERIFY(!window.isTraining());
    QTest::qWait(200);
    QCOMPARE(finished.count(), 1);
  } else {
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kRunTimeoutMs);
    QVERIFY(!qvariant_cast<fitbench::FinishInfo>(finished.at(1).at(0)).error.empty());
  }
  QCOMPARE(fileHashes(dir), before);
  QCOMPARE(lossPoints(window), points);
  QCOMPARE(window.monitorView()->model()->sampleCount(), samples);
  QCOMPARE(browser->model()->rowCount(), 1);
  QCOMPARE(browser->directory(), QFileInfo(dir).absoluteFilePath());
}

// issue 13: "Resume from this epoch" did nothing, silently, while a run was
// paused, and "Branch a new run..." opened.
void TestMainWindow::resumeAndBranchOffWhilePaused() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString dir = m_tmp.filePath(QStringLiteral("paused"));
  trainRun(dir + QStringLiteral("/lenet"), 1);
  // The run goes on from that epoch, so the browser shows it while the run is paused.
  AnsweringWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                                   QStringLiteral("num-epochs=3"), QStringLiteral("load-epoch=1"),
                                   QStringLiteral("model-prefix=") + dir + QStringLiteral("/lenet")}));
  CheckpointBrowser* browser = window.checkpointBrowser();
  auto* resume = browser->findChild<QPushButton*>(QStringLiteral("resumeButton"));
  auto* branch = browser->findChild<QPushButton*>(QStringLiteral("branchButton"));
  QSignalSpy batches(window.controller(), &TrainerController::batchEnded);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  QSignalSpy resumed(browser, &CheckpointBrowser::resumeRequested);
  window.startTraining();
  QVERIFY(window.overwriteQuestions.isEmpty());
  QTRY_VERIFY_WITH_TIMEOUT(batches.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  window.togglePause();
  QVERIFY(window.controller()->isPaused());
  QTRY_VERIFY_WITH_TIMEOUT(browser->selectedRow() >= 0 && !browser->isLoadingDetails(), 10000);
  QVERIFY(!resume->isEnabled());
  QVERIFY(!branch->isEnabled());
  QVERIFY2(resume->toolTip().contains(QStringLiteral("in progress (paused or not)")),
           qPrintable(resume->toolTip()));
  QVERIFY2(branch->toolTip().contains(QStringLiteral("in progress (paused or not)")),
           qPrintable(branch->toolTip()));
  browser->resumeSelected();
  QCOMPARE(resumed.count(), 0);

  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QTRY_VERIFY(resume->isEnabled() && branch->isEnabled());
  QVERIFY(!resume->toolTip().contains(QStringLiteral("in progress")));
}

void TestMainWindow::screenshotsOfEveryView() {
  QVERIFY(m_tmp.isValid());
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  const QList<MainWindow::View> views = window.views();
  QVERIFY(views.size() >= 5);
  QString error;
  const QStringList files = saveScreenshots(window, m_tmp.filePath(QStringLiteral("shots")), &error);
  QCOMPARE(error, QString());
  QCOMPARE(files.size(), views.size());
  for (qsizetype i = 0; i < views.size(); ++i) {
    QVERIFY2(files[i].endsWith(QLatin1Char('/') + views[i].name + QStringLiteral(".png")),
             qPrintable(files[i]));
    const QImage image(files[i]);
    QVERIFY2(!image.isNull() && image.width() > 50 && image.height() > 50, qPrintable(files[i]));
  }
}

void TestMainWindow::devicesDockWritesGpus() {
  MainWindow window;
  GpuPicker* picker = window.gpuPicker();
  // No GPU is usable here: the picker keeps the CPU and the form has no --gpus.
  QCOMPARE(picker->selectedGpus(), QString());
  QVERIFY(!window.args().is_set("gpus"));

  // Two GPUs as a loaded GPU module would list them: checking the second writes --gpus 1 into the form.
  fitbench::GpuInventory inventory;
  inventory.gpus = {{0, "GPU zero", 80LL << 30, 70LL << 30, 5, 40}, {1, "GPU one", 80LL << 30, 60LL << 30, 0, 35}};
  picker->setInventory(inventory, {true, "/usr/lib/fitbench/libfitbench_cuda.so", {}});
  GpuListModel* model = picker->model();
  QVERIFY(model->setData(model->index(2, GpuListModel::DeviceColumn), Qt::Checked, Qt::CheckStateRole));
  QCOMPARE(window.args().get_string("gpus"), std::string("1"));
  // And the form's --gpus comes back to the picker: the CPU again when it is cleared.
  fitbench::FitArgs args = window.args();
  args.unset("gpus");
  window.setArgs(args);
  QCOMPARE(picker->selectedGpus(), QString());
}

void TestMainWindow::processesNeedADistStore() {
  MainWindow window(argsWith({QStringLiteral("kv-store=local")}));
  auto* processes = window.findChild<QSpinBox*>(QStringLiteral("processesSpin"));
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  QVERIFY(processes && start);
  QCOMPARE(processes->value(), 1);
  const QString unavailable = ProcessTrainer::unavailableReason();
  if (!unavailable.isEmpty()) {
    // Without MPI or mpirun the control says why it is off, and every run is in-process.
    QVERIFY(!processes->isEnabled());
    QCOMPARE(processes->toolTip(), unavailable);
    QVERIFY(!window.startsProcesses());
    return;
  }
  QVERIFY(processes->isEnabled());
  QVERIFY(start->isEnabled());
  QVERIFY(!window.startsProcesses());
  // Two workers of a single-process store cannot start.
  processes->setValue(2);
  QVERIFY(!start->isEnabled());
  QVERIFY2(start->toolTip().contains(QStringLiteral("dist_*")), qPrintable(start->toolTip()));
  // A dist store makes them a process run.
  auto* kvStore = window.argsForm()->findChild<QComboBox*>(QStringLiteral("kv-store"));
  kvStore->setCurrentText(QStringLiteral("dist_async"));
  QCOMPARE(window.args().get_string("kv-store"), std::string("dist_async"));
  QVERIFY(start->isEnabled());
  QVERIFY(window.startsProcesses());

  // A hostfile that cannot be read keeps Start off, naming it, and Start refuses it.
  auto* hostfile = window.findChild<QLineEdit*>(QStringLiteral("hostfileEdit"));
  QVERIFY(hostfile && hostfile->isEnabled());
  const QString missing = m_tmp.filePath(QStringLiteral("no-such-hosts"));
  hostfile->setText(missing);
  QVERIFY(!start->isEnabled());
  QVERIFY2(start->toolTip().startsWith(QStringLiteral("The hostfile %1 does not exist").arg(missing)),
           qPrintable(start->toolTip()));
  window.startTraining();
  QVERIFY(!window.isTraining());
  QVERIFY2(window.statusBar()->currentMessage().contains(missing),
           qPrintable(window.statusBar()->currentMessage()));
  // One that can: Start goes to its machines.
  const QString hosts = m_tmp.filePath(QStringLiteral("hosts"));
  QFile file(hosts);
  QVERIFY(file.open(QIODevice::WriteOnly) && file.write("localhost slots=2\n") > 0);
  file.close();
  hostfile->setText(hosts);
  QVERIFY(start->isEnabled());
  // Without a dist store the hostfile does not matter.
  hostfile->setText(missing);
  processes->setValue(1);
  kvStore->setCurrentText(QStringLiteral("local"));
  QVERIFY(start->isEnabled());
}

void TestMainWindow::processRunThroughTheWindow() {
  if (!ProcessTrainer::unavailableReason().isEmpty()) QSKIP(qPrintable(ProcessTrainer::unavailableReason()));
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  // Two dist_sync workers train mlp on a 2,000-image subset for one epoch.
  const QString prefix = m_tmp.filePath(QStringLiteral("processes/mlp"));
  MainWindow window(argsWith({QStringLiteral("network=mlp"), QStringLiteral("kv-store=dist_sync"),
                              QStringLiteral("num-examples=2000"), QStringLiteral("batch-size=32"),
                              QStringLiteral("disp-batches=10"), QStringLiteral("model-prefix=") + prefix}));
  ProcessTrainer* trainer = window.processTrainer();
  trainer->setCliPath(QStringLiteral(FITBENCH_CLI_PATH));
  // The run directory is the checkpoints' one, as for fit(); an earlier run's
  // records there (3 epochs of 5 batches) must not reach this run's charts.
  const QString runDir = m_tmp.filePath(QStringLiteral("processes"));
  QVERIFY(writeRunDir(runDir, 3, 5));
  QSignalSpy finished(trainer, &ProcessTrainer::finished);
  QSignalSpy epochs(trainer, &ProcessTrainer::epochEnded);
  QSignalSpy inProcess(window.controller(), &TrainerController::runStarted);
  auto* processes = window.findChild<QSpinBox*>(QStringLiteral("processesSpin"));
  auto* pause = window.findChild<QPushButton*>(QStringLiteral("pauseButton"));
  auto* stop = window.findChild<QPushButton*>(QStringLiteral("stopButton"));
  auto* start = window.findChild<QPushButton*>(QStringLiteral("startButton"));
  processes->setValue(2);

  start->click();
  QVERIFY(window.isTraining());
  QVERIFY(trainer->isRunning());
  // Only Stop reaches the workers; the other commands say why they are off.
  QVERIFY(stop->isEnabled());
  QVERIFY(!pause->isEnabled());
  QVERIFY(pause->toolTip().contains(QStringLiteral("Stop")));
  QVERIFY(!window.findChild<QPushButton*>(QStringLiteral("saveCheckpointButton"))->isEnabled());
  QVERIFY(!window.findChild<QPushButton*>(QStringLiteral("setLrButton"))->isEnabled());
  QVERIFY(!processes->isEnabled());
  QVERIFY(!start->isEnabled());

  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
  QVERIFY2(finishOf(finished).error.empty(), finishOf(finished).error.c_str());
  QVERIFY(finishOf(finished).completed);
  QCOMPARE(inProcess.count(), 0);
  QCOMPARE(trainer->runDir(), runDir);
  QCOMPARE(epochs.count(), 1);
  QVERIFY(QFile::exists(runDir + QStringLiteral("/node1/metrics.jsonl")));
  QVERIFY(!window.isTraining());
  QVERIFY(start->isEnabled() && processes->isEnabled());

  // Rank 0's loss and every rank's throughput reached the charts.
  const SeriesStore* store = window.trainingCharts()->store();
  const auto filled = [store](const QString& name) {
    const int id = store->find(name);
    return id >= 0 && !store->points(id).empty();
  };
  // 2,000 images over two workers of batch 32: 32 batches, none of the old run's.
  QCOMPARE(store->points(store->find(QStringLiteral("loss"))).size(), size_t(32));
  const QStringList throughput =
      window.trainingCharts()->chart(RunMetrics::Chart::Throughput)->seriesNames();
  for (int rank : {0, 1}) {
    QVERIFY2(filled(TrainingCharts::rankThroughput(rank)), qPrintable(TrainingCharts::rankThroughput(rank)));
    QVERIFY(throughput.contains(TrainingCharts::rankThroughput(rank)));
  }
  // The checkpoint of epoch 1 in the browser, the workers' lines in the log, the outcome in the status.
  CheckpointBrowser* browser = window.checkpointBrowser();
  QTRY_VERIFY_WITH_TIMEOUT(browser->model()->rowCount() >= 1, 10000);
  QCOMPARE(browser->model()
               ->data(browser->model()->index(0, CheckpointModel::EpochColumn), CheckpointModel::RawRole)
               .toInt(),
           1);
  QVERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("logView"))
              ->toPlainText()
              .contains(QStringLiteral("Node[1] Epoch[0] Train-accuracy")));
  const QString status = window.findChild<ElidedLabel*>(QStringLiteral("statusLabel"))->text();
  QVERIFY2(status.startsWith(QStringLiteral("Finished 1 epoch")), qPrintable(status));
  // And where the ranks ran.
  const auto* hosts = window.findChild<ElidedLabel*>(QStringLiteral("hostsLabel"));
  QVERIFY(hosts && !hosts->isHidden());
  QCOMPARE(hosts->text(),
           QStringLiteral("Ranks 0–1 on %1").arg(QString::fromStdString(fitbench::host_name())));
}

// The window fits a 1280x720 screen, and 1366x768 at QT_SCALE_FACTOR=1.5
// (910x512 device-independent pixels, less a title bar).
void TestMainWindow::fitsSmallScreens() {
  MainWindow window;
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  const QSize minimum = window.minimumSizeHint();
  QVERIFY2(minimum.width() <= 1024 && minimum.height() <= 640,
           qPrintable(QStringLiteral("minimumSizeHint %1x%2").arg(minimum.width()).arg(minimum.height())));
  QVERIFY2(minimum.width() <= 1366 / 1.5 && minimum.height() <= 768 / 1.5 - 32,
           qPrintable(QStringLiteral("minimumSizeHint %1x%2").arg(minimum.width()).arg(minimum.height())));
  window.resize(1024, 700);
  QTRY_COMPARE(window.size(), QSize(1024, 700));
}

// Long run-dependent texts (a failed run's error, an invalid field's reason)
// are cut to the room they have; the window keeps its width.
void TestMainWindow::longTextsKeepTheWidth() {
  QVERIFY(m_tmp.isValid());
  const QString missing = QStringLiteral("/nonexistent/fitbench/%1/train-images-idx3-ubyte.gz")
                              .arg(QString(200, QLatin1Char('d')));
  MainWindow window(argsWith({QStringLiteral("data-train=") + missing}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("long-texts-run")));
  window.resize(1024, 700);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  QTest::qWait(100);
  const int width = window.width();
  const int minimumWidth = window.minimumSizeHint().width();

  // The path is a start problem: in the form's status line, and Start's refusal in the status bar.
  QVERIFY(window.findChild<ElidedLabel*>(QStringLiteral("argsStatus"))->text().contains(missing));
  window.startTraining();
  QVERIFY(!window.isTraining());
  QVERIFY(window.statusBar()->currentMessage().contains(missing));
  QTest::qWait(100);  // for the posted layout requests
  QCOMPARE(window.width(), width);
  QCOMPARE(window.minimumSizeHint().width(), minimumWidth);

  window.argsForm()->findChild<QLineEdit*>(QStringLiteral("lr"))->setText(QString(300, QLatin1Char('x')));
  QVERIFY(!window.argsForm()->isValid());
  QTest::qWait(100);
  QCOMPARE(window.width(), width);
  QCOMPARE(window.minimumSizeHint().width(), minimumWidth);
}

// A wheel turned over a combo box, spin box or slider that does not have the
// focus scrolls what holds it and changes nothing; with the focus it edits.
void TestMainWindow::wheelNeedsFocus() {
  MainWindow window;
  window.resize(1024, 700);
  window.show();
  QVERIFY(QTest::qWaitForWindowActive(&window));
  auto* mode = window.argsForm()->findChild<QComboBox*>(QStringLiteral("lr-warmup-mode"));
  QVERIFY(mode);
  QScrollBar* formScroll = window.argsForm()->findChild<QScrollArea*>()->verticalScrollBar();
  QCOMPARE(formScroll->value(), 0);

  wheelDown(mode);
  QCOMPARE(mode->currentText(), QStringLiteral("linear"));
  QCOMPARE(window.args().get_string("lr-warmup-mode"), std::string("linear"));
  QVERIFY(formScroll->value() > 0);

  QList<QWidget*> editors;
  for (QWidget* w : window.findChildren<QWidget*>()) {
    if ((qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSpinBox*>(w) ||
         qobject_cast<QAbstractSlider*>(w)) &&
        !qobject_cast<QScrollBar*>(w))
      editors << w;
  }
  QVERIFY(editors.size() > 10);
  for (QWidget* editor : std::as_const(editors)) {
    const QString before = wheelValue(editor);
    wheelDown(editor);
    QVERIFY2(wheelValue(editor) == before, qPrintable(editor->objectName()));
    QVERIFY2(editor->focusPolicy() == Qt::StrongFocus, qPrintable(editor->objectName()));
  }

  mode->setFocus();
  QTRY_VERIFY(mode->hasFocus());
  wheelDown(mode);
  QCOMPARE(mode->currentText(), QStringLiteral("constant"));
  QCOMPARE(window.args().get_string("lr-warmup-mode"), std::string("constant"));
}

// issue 13: opening a run folder loaded neither its checkpoints nor its
// curves nor its arguments. With no run in progress the folder's run takes
// the finished run's place: checkpoints, the main curves and the form.
void TestMainWindow::openRunFolder() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString dir = m_tmp.filePath(QStringLiteral("opened"));
  trainRun(dir + QStringLiteral("/lenet"), 2);  // 10 batches an epoch
  MainWindow window;
  window.recentRuns()->clearFolders();
  QCOMPARE(window.openRunFolder(dir), QString());

  CheckpointBrowser* browser = window.checkpointBrowser();
  QCOMPARE(browser->directory(), dir);
  QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 2, 10000);
  QCOMPARE(lossPoints(window), size_t{20});
  QVERIFY(window.trainingCharts()->overlays().isEmpty());
  QVERIFY2(window.trainingCharts()->bestEpochText().startsWith(QStringLiteral("Best: epoch ")),
           qPrintable(window.trainingCharts()->bestEpochText()));
  QCOMPARE(QString::fromStdString(window.args().get_string("model-prefix")), dir + QStringLiteral("/lenet"));
  QCOMPARE(window.args().get_int("num-epochs"), 2);
  QCOMPARE(window.args().get_int("num-examples"), 640);
  QCOMPARE(window.recentRuns()->folders(), QStringList{dir});

  // A click on its curves picks its checkpoints: update 9 is nearest epoch 1's end.
  emit window.trainingCharts()->epochPicked(QString(), 1);
  QTRY_COMPARE_WITH_TIMEOUT(browser->selectedRow(), 0, 10000);

  // Not a run folder: it says so, and what was shown stays.
  const QString error = window.openRunFolder(m_tmp.filePath(QStringLiteral("no-run-here")));
  QVERIFY2(error.contains(QStringLiteral("is not a run folder")), qPrintable(error));
  QCOMPARE(lossPoints(window), size_t{20});
  QCOMPARE(window.recentRuns()->folders(), QStringList{dir});

  // The File menu holds both.
  QVERIFY(window.findChild<QAction*>(QStringLiteral("openRunFolderAction")));
  QVERIFY(window.findChild<QMenu*>(QStringLiteral("recentRunsMenu")));
}

// While a run trains, an opened folder's curves go under the live ones and the
// form stays the run's; the live run's folder is the most recent.
void TestMainWindow::openRunFolderDuringARun() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const QString earlier = m_tmp.filePath(QStringLiteral("opened-earlier"));
  trainRun(earlier + QStringLiteral("/lenet"), 1);
  const QString live = m_tmp.filePath(QStringLiteral("opened-live"));
  MainWindow window(argsWith({QString::fromLatin1(kTrainOnly), QStringLiteral("num-examples=6400"),
                              QStringLiteral("model-prefix=") + live + QStringLiteral("/lenet")}));
  window.recentRuns()->clearFolders();
  QSignalSpy started(window.controller(), &TrainerController::runStarted);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QTRY_VERIFY_WITH_TIMEOUT(started.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  // The spy hears the trainer's thread at once; the window, through its event loop.
  QTRY_COMPARE_WITH_TIMEOUT(window.recentRuns()->folders(), QStringList{live}, 10000);

  QCOMPARE(window.openRunFolder(earlier), QString());
  QCOMPARE(window.trainingCharts()->overlays(), QStringList{QStringLiteral("opened-earlier (lenet)")});
  QCOMPARE(QString::fromStdString(window.args().get_string("model-prefix")), live + QStringLiteral("/lenet"));
  QCOMPARE(window.recentRuns()->folders(), (QStringList{earlier, live}));
  window.stopTraining();
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
