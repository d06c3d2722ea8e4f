// LrScheduleEditor: the drawn curve is the core's schedule; clicks, drags and
// right clicks on the chart edit --lr-step-epochs, the line edit --lr-factor;
// poly and cosine schedules are read-only; the actual-rate series fills; and
// in the main window the editor follows the form, writes back into it and
// draws the rates of a real run.
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtTest>

#include <string>
#include <vector>

#include "ArgsForm.h"
#include "LrScheduleEditor.h"
#include "MainWindow.h"
#include "TrainerController.h"
#include "fitbench/fit.h"
#include "fitbench/fit_args.h"

namespace {

constexpr int kRunTimeoutMs = 180000;
const char* const kFashionMnistTrain = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

// train_mnist's defaults with 100 batches per epoch over 10 epochs, then
// "name=value" settings ("name=" unsets).
fitbench::FitArgs argsWith(const QStringList& settings) {
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("num-examples", "6400");
  args.set("num-epochs", "10");
  for (const QString& setting : settings) {
    const qsizetype eq = setting.indexOf(QLatin1Char('='));
    const std::string name = setting.left(eq).toStdString();
    const std::string value = setting.mid(eq + 1).toStdString();
    if (value.empty())
      args.unset(name);
    else
      args.set(name, value);
  }
  return args;
}

template <typename Series>
Series* seriesNamed(const LrScheduleEditor& editor, const char* name) {
  for (QAbstractSeries* series : editor.chart()->series())
    if (series->objectName() == QLatin1String(name)) return qobject_cast<Series*>(series);
  return nullptr;
}

QLineSeries* curveOf(const LrScheduleEditor& editor) {
  return seriesNamed<QLineSeries>(editor, "scheduleSeries");
}
QLineSeries* actualOf(const LrScheduleEditor& editor) {
  return seriesNamed<QLineSeries>(editor, "actualSeries");
}
QScatterSeries* markersOf(const LrScheduleEditor& editor) {
  return seriesNamed<QScatterSeries>(editor, "stepSeries");
}

// Where (epoch, lr) is drawn, in the chart view's viewport (the chart fills the view's scene).
QPoint positionOf(const LrScheduleEditor& editor, double epoch, double lr) {
  return editor.chart()->mapToPosition(QPointF(epoch, lr)).toPoint();
}

QWidget* viewport(const LrScheduleEditor& editor) { return editor.chartView()->viewport(); }

std::string stepsOf(const fitbench::FitArgs& args) {
  return args.is_set("lr-step-epochs") ? args.get_string("lr-step-epochs") : std::string("None");
}

}  // namespace

class TestLrScheduleEditor : public QObject {
  Q_OBJECT

 private slots:
  void curveIsTheCoreSchedule_data();
  void curveIsTheCoreSchedule();
  void noneNumExamplesIsNoted();
  void clickAddsStep();
  void dragMovesStep();
  void rightClickRemovesStep();
  void lrFactorEditWritesBack();
  void polyAndCosineHaveNoMarkers_data();
  void polyAndCosineHaveNoMarkers();
  void logScale();
  void actualSeriesGetsPoints();
  void mainWindowFollowsAndWritesBack();
  void mainWindowDrawsActualRates();

 private:
  // An editor shown at a fixed size, so chart positions are stable.
  void showEditor(LrScheduleEditor& editor, const fitbench::FitArgs& args);

  QTemporaryDir m_tmp;
};

void TestLrScheduleEditor::showEditor(LrScheduleEditor& editor, const fitbench::FitArgs& args) {
  editor.setArgs(args);
  editor.resize(900, 520);
  editor.show();
  QVERIFY(QTest::qWaitForWindowExposed(&editor));
  QTest::qWait(20);  // the chart lays out its plot area on a posted event
}

void TestLrScheduleEditor::curveIsTheCoreSchedule_data() {
  QTest::addColumn<QStringList>("settings");
  QTest::newRow("multifactor 3,6") << QStringList{QStringLiteral("lr-step-epochs=3,6")};
  QTest::newRow("factor 0.5 at 2,5,8")
      << QStringList{QStringLiteral("lr-step-epochs=2,5,8"), QStringLiteral("lr-factor=0.5")};
  QTest::newRow("factor scheduler") << QStringList{QStringLiteral("lr-scheduler=factor"),
                                                   QStringLiteral("lr-step-epochs=2")};
  QTest::newRow("pow2") << QStringList{QStringLiteral("lr-step-epochs=pow2")};
  QTest::newRow("cosine") << QStringList{QStringLiteral("lr-scheduler=cosine")};
  QTest::newRow("warmup") << QStringList{QStringLiteral("lr-step-epochs=4"),
                                         QStringLiteral("lr-warmup-steps=150")};
  QTest::newRow("load-epoch 4") << QStringList{QStringLiteral("lr-step-epochs=3,6"),
                                               QStringLiteral("load-epoch=4")};
  QTest::newRow("constant (factor >= 1)") << QStringList{QStringLiteral("lr-factor=1")};
  // 938 batches per epoch: more updates than display points.
  QTest::newRow("downsampled") << QStringList{QStringLiteral("num-examples=60000"),
                                              QStringLiteral("lr-step-epochs=3,6")};
}

void TestLrScheduleEditor::curveIsTheCoreSchedule() {
  QFETCH(QStringList, settings);
  const fitbench::FitArgs args = argsWith(settings);
  LrScheduleEditor editor;
  editor.setArgs(args);

  const int64_t epochSize =
      (args.get_int("num-examples") + args.get_int("batch-size") - 1) / args.get_int("batch-size");
  QCOMPARE(editor.epochSize(), epochSize);
  const int begin = args.is_set("load-epoch") ? args.get_int("load-epoch") : 0;
  const std::vector<double> expected =
      fitbench::learning_rate_schedule(fitbench::FitConfig::resolve(args), epochSize, (args.get_int("num-epochs") - begin) * epochSize);
  const QList<QPointF> drawn = curveOf(editor)->points();
  QVERIFY(!expected.empty());
  if (expected.size() <= 4000) {
    QCOMPARE(drawn.size(), static_cast<qsizetype>(expected.size()));
  } else {
    QVERIFY2(drawn.size() <= 4000, qPrintable(QString::number(drawn.size())));
    QCOMPARE(drawn.first().x(), double(begin));
    QCOMPARE(drawn.last().y(), expected.back());
  }
  // Every drawn point is update u at epoch begin + (u - 1) / epochSize with the core's rate.
  for (const QPointF& p : drawn) {
    const double index = (p.x() - begin) * static_cast<double>(epochSize);
    const auto u = static_cast<size_t>(std::llround(index));
    QVERIFY(std::abs(index - static_cast<double>(u)) < 1e-6);
    QVERIFY(u < expected.size());
    QCOMPARE(p.y(), expected[u]);
  }
  // Downsampling keeps each step's edge: the rate just after a step is drawn.
  if (settings.contains(QStringLiteral("lr-step-epochs=3,6")) && begin == 0) {
    bool found = false;
    for (const QPointF& p : drawn)
      found = found || (std::abs(p.x() - 3.0) < 1e-9 && p.y() == expected[3 * epochSize]);
    QVERIFY(found);
  }
}

void TestLrScheduleEditor::noneNumExamplesIsNoted() {
  LrScheduleEditor editor;
  editor.setArgs(argsWith({QStringLiteral("num-examples=")}));
  QCOMPARE(editor.epochSize(), int64_t{938});  // ceil(60000 / 64)
  auto* note = editor.findChild<QLabel*>(QStringLiteral("lrNote"));
  QVERIFY(note);
  QVERIFY2(note->text().contains(QLatin1String("60000")), qPrintable(note->text()));
  editor.setArgs(argsWith({}));
  QVERIFY(!note->text().contains(QLatin1String("60000")));
}

void TestLrScheduleEditor::clickAddsStep() {
  LrScheduleEditor editor;
  showEditor(editor, argsWith({QStringLiteral("lr-step-epochs=3")}));
  QSignalSpy edited(&editor, &LrScheduleEditor::argsEdited);

  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 6.3, 0.004));
  QCOMPARE(edited.count(), 1);
  QCOMPARE(stepsOf(qvariant_cast<fitbench::FitArgs>(edited.last().at(0))), std::string("3,6"));
  QCOMPARE(stepsOf(editor.args()), std::string("3,6"));
  QCOMPARE(editor.markerEpochs(), (QList<int>{3, 6}));
  QCOMPARE(markersOf(editor)->count(), 2);

  // Sorted on insertion; clamped to 1 .. num-epochs - 1.
  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 0.2, 0.02));
  QCOMPARE(stepsOf(editor.args()), std::string("1,3,6"));
  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 9.8, 0.02));
  QCOMPARE(stepsOf(editor.args()), std::string("1,3,6,9"));
  QCOMPARE(edited.count(), 3);

  // Outside the plot area nothing happens.
  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, QPoint(2, 2));
  QCOMPARE(edited.count(), 3);

  // Read-only (training runs): no edits.
  editor.setReadOnly(true);
  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 5.0, 0.02));
  QCOMPARE(edited.count(), 3);
  QCOMPARE(stepsOf(editor.args()), std::string("1,3,6,9"));
}

void TestLrScheduleEditor::dragMovesStep() {
  LrScheduleEditor editor;
  showEditor(editor, argsWith({QStringLiteral("lr-step-epochs=3,6")}));
  QSignalSpy edited(&editor, &LrScheduleEditor::argsEdited);

  const QPointF marker = markersOf(editor)->at(0);
  QCOMPARE(marker.x(), 3.0);
  QTest::mousePress(viewport(editor), Qt::LeftButton, {}, positionOf(editor, marker.x(), marker.y()));
  QTest::mouseMove(viewport(editor), positionOf(editor, 5.2, marker.y()));
  QCOMPARE(stepsOf(editor.args()), std::string("5,6"));  // redrawn while dragging
  QCOMPARE(edited.count(), 0);                           // but written back on release
  QTest::mouseMove(viewport(editor), positionOf(editor, 7.7, marker.y()));
  QTest::mouseRelease(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 7.7, marker.y()));
  QCOMPARE(edited.count(), 1);
  QCOMPARE(stepsOf(qvariant_cast<fitbench::FitArgs>(edited.last().at(0))), std::string("6,8"));
  QCOMPARE(editor.markerEpochs(), (QList<int>{6, 8}));

  // Dropped where it started: nothing to write back.
  QTest::mousePress(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 8.0, 0.001));
  QTest::mouseMove(viewport(editor), positionOf(editor, 8.2, 0.001));
  QTest::mouseRelease(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 8.2, 0.001));
  QCOMPARE(edited.count(), 1);
}

void TestLrScheduleEditor::rightClickRemovesStep() {
  LrScheduleEditor editor;
  showEditor(editor, argsWith({QStringLiteral("lr-step-epochs=3,6")}));
  QSignalSpy edited(&editor, &LrScheduleEditor::argsEdited);

  // A right click away from a marker does nothing.
  QTest::mouseClick(viewport(editor), Qt::RightButton, {}, positionOf(editor, 4.5, 0.01));
  QCOMPARE(edited.count(), 0);

  QTest::mouseClick(viewport(editor), Qt::RightButton, {}, positionOf(editor, 6.0, 0.005));
  QCOMPARE(edited.count(), 1);
  QCOMPARE(stepsOf(editor.args()), std::string("3"));
  QTest::mouseClick(viewport(editor), Qt::RightButton, {}, positionOf(editor, 3.0, 0.005));
  QCOMPARE(edited.count(), 2);
  QCOMPARE(stepsOf(editor.args()), std::string("None"));  // no steps: None, fit.py's constant rate
  QCOMPARE(markersOf(editor)->count(), 0);
}

void TestLrScheduleEditor::lrFactorEditWritesBack() {
  LrScheduleEditor editor;
  showEditor(editor, argsWith({QStringLiteral("lr-step-epochs=3,6")}));
  QSignalSpy edited(&editor, &LrScheduleEditor::argsEdited);
  auto* factor = editor.findChild<QLineEdit*>(QStringLiteral("lrFactorEdit"));
  QVERIFY(factor && factor->isEnabled());
  QCOMPARE(factor->text(), QStringLiteral("0.1"));

  factor->setFocus();
  factor->selectAll();
  QTest::keyClicks(factor, QStringLiteral("0.5"));
  QTest::keyClick(factor, Qt::Key_Return);
  QCOMPARE(edited.count(), 1);
  QCOMPARE(qvariant_cast<fitbench::FitArgs>(edited.last().at(0)).get_float("lr-factor"), 0.5);
  QCOMPARE(editor.args().get_float("lr-factor"), 0.5);
  QCOMPARE(curveOf(editor)->points().last().y(), 0.05 * 0.5 * 0.5);

  // The schema rejects it: nothing is written, the field says why.
  factor->selectAll();
  QTest::keyClicks(factor, QStringLiteral("-2"));
  QTest::keyClick(factor, Qt::Key_Return);
  QCOMPARE(edited.count(), 1);
  QVERIFY(factor->property("invalid").toBool());
  QVERIFY(!factor->toolTip().isEmpty());
  QCOMPARE(editor.args().get_float("lr-factor"), 0.5);
}

void TestLrScheduleEditor::polyAndCosineHaveNoMarkers_data() {
  QTest::addColumn<QStringList>("settings");
  QTest::newRow("pow2") << QStringList{QStringLiteral("lr-step-epochs=pow2")};
  QTest::newRow("poly") << QStringList{QStringLiteral("lr-scheduler=poly"),
                                       QStringLiteral("lr-step-epochs=3")};
  QTest::newRow("cosine") << QStringList{QStringLiteral("lr-scheduler=cosine"),
                                         QStringLiteral("lr-step-epochs=3")};
}

void TestLrScheduleEditor::polyAndCosineHaveNoMarkers() {
  QFETCH(QStringList, settings);
  LrScheduleEditor editor;
  showEditor(editor, argsWith(settings));
  QSignalSpy edited(&editor, &LrScheduleEditor::argsEdited);
  QVERIFY(!editor.stepsEditable());
  QCOMPARE(markersOf(editor)->count(), 0);
  QVERIFY(editor.markerEpochs().isEmpty());
  QVERIFY(curveOf(editor)->count() > 0);
  auto* note = editor.findChild<QLabel*>(QStringLiteral("lrNote"));
  QVERIFY(note && !note->text().isEmpty());
  QTest::mouseClick(viewport(editor), Qt::LeftButton, {}, positionOf(editor, 5.0, 0.01));
  QTest::mouseClick(viewport(editor), Qt::RightButton, {}, positionOf(editor, 3.0, 0.01));
  QCOMPARE(edited.count(), 0);
}

void TestLrScheduleEditor::logScale() {
  LrScheduleEditor editor;
  showEditor(editor, argsWith({QStringLiteral("lr-scheduler=cosine")}));
  const qsizetype linearCount = curveOf(editor)->count();
  editor.setLogScale(true);
  QVERIFY(editor.chart()->axes(Qt::Vertical).size() == 1);
  QVERIFY(qobject_cast<QLogValueAxis*>(editor.chart()->axes(Qt::Vertical).first()));
  // Cosine's rates that reach 0 cannot be placed on a log axis; the rest are drawn.
  for (const QPointF& p : curveOf(editor)->points()) QVERIFY(p.y() > 0.0);
  QVERIFY(curveOf(editor)->count() >= linearCount - 1);
  editor.setLogScale(false);
  QCOMPARE(curveOf(editor)->count(), linearCount);
}

void TestLrScheduleEditor::actualSeriesGetsPoints() {
  LrScheduleEditor editor;
  editor.setArgs(argsWith({QStringLiteral("lr-step-epochs=3,6")}));
  QCOMPARE(actualOf(editor)->count(), 0);
  editor.addActualLearningRate(0.0, 0.05);
  editor.addActualLearningRate(0.01, 0.05);
  editor.addActualLearningRates({QPointF(3.0, 0.005), QPointF(3.01, 0.005)});
  QCOMPARE(actualOf(editor)->count(), 4);
  QCOMPARE(actualOf(editor)->at(2), QPointF(3.0, 0.005));
  // New arguments keep the run's points; a new run clears them.
  editor.setArgs(argsWith({QStringLiteral("lr-step-epochs=4")}));
  QCOMPARE(actualOf(editor)->count(), 4);
  editor.clearActualLearningRate();
  QCOMPARE(actualOf(editor)->count(), 0);
}

void TestLrScheduleEditor::mainWindowFollowsAndWritesBack() {
  MainWindow window(argsWith({QStringLiteral("lr-step-epochs=3")}));
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  LrScheduleEditor* editor = window.lrEditor();
  QVERIFY(editor);
  auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("chartTabs"));
  QVERIFY(tabs);
  tabs->setCurrentWidget(editor);
  QTest::qWait(20);
  QVERIFY(editor->args() == window.args());

  // Form -> editor.
  auto* stepsField = window.argsForm()->findChild<QLineEdit*>(QStringLiteral("lr-step-epochs"));
  QVERIFY(stepsField);
  stepsField->selectAll();
  QTest::keyClicks(stepsField, QStringLiteral("2,5"));
  QCOMPARE(editor->markerEpochs(), (QList<int>{2, 5}));

  // Editor -> form, once: the form's echo is not sent back.
  QSignalSpy formChanged(window.argsForm(), &ArgsForm::argsChanged);
  QSignalSpy edited(editor, &LrScheduleEditor::argsEdited);
  QTest::mouseClick(editor->chartView()->viewport(), Qt::LeftButton, {},
                    editor->chart()->mapToPosition(QPointF(7.1, 0.001)).toPoint());
  QCOMPARE(edited.count(), 1);
  QCOMPARE(formChanged.count(), 1);
  QCOMPARE(stepsField->text(), QStringLiteral("2,5,7"));
  QCOMPARE(stepsOf(window.args()), std::string("2,5,7"));
  QVERIFY(editor->args() == window.args());
}

void TestLrScheduleEditor::mainWindowDrawsActualRates() {
  if (!QFile::exists(QString::fromLatin1(kFashionMnistTrain)))
    QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const std::string prefix = m_tmp.filePath(QStringLiteral("ckpt/mlp")).toStdString();
  MainWindow window(argsWith({QStringLiteral("network=mlp"), QStringLiteral("num-examples=1280"),
                              QStringLiteral("num-epochs=2"), QStringLiteral("lr-step-epochs=1"),
                              QStringLiteral("model-prefix=") + QString::fromStdString(prefix)}));
  window.controller()->setRunDir(m_tmp.filePath(QStringLiteral("run")));
  LrScheduleEditor* editor = window.lrEditor();
  editor->addActualLearningRate(0.5, 1.0);  // an earlier run's point, cleared once the new run has started
  QSignalSpy started(window.controller(), &TrainerController::runStarted);
  QSignalSpy finished(window.controller(), &TrainerController::finished);
  window.startTraining();
  QVERIFY(editor->isReadOnly());
  QCOMPARE(actualOf(*editor)->count(), 1);  // a Start that failed would keep it
  QTRY_VERIFY_WITH_TIMEOUT(started.count() > 0 || finished.count() > 0, kRunTimeoutMs);
  QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, kRunTimeoutMs);
  QVERIFY2(qvariant_cast<fitbench::FinishInfo>(finished.at(0).at(0)).error.empty(),
           qvariant_cast<fitbench::FinishInfo>(finished.at(0).at(0)).error.c_str());
  QVERIFY(!editor->isReadOnly());

  // 20 batches per epoch. Each batch reports the rate its update used, drawn
  // where the batch starts; the run's rates are the schedule's, update by update.
  const QList<QPointF> actual = actualOf(*editor)->points();
  QCOMPARE(actual.size(), 40);
  const QList<QPointF> curve = curveOf(*editor)->points();
  QCOMPARE(curve.size(), 40);
  for (qsizetype i = 0; i < actual.size(); ++i) {
    QCOMPARE(actual[i].x(), curve[i].x());
    QVERIFY2(std::abs(actual[i].y() - curve[i].y()) <= 1e-12 * curve[i].y(),
             qPrintable(QStringLiteral("update %1: ran %2, drawn %3")
                            .arg(i + 1)
                            .arg(actual[i].y())
                            .arg(curve[i].y())));
  }
  QCOMPARE(actual.last().x(), 1.95);  // update 40 starts batch 20 of epoch 2
}

QTEST_MAIN(TestLrScheduleEditor)
#include "tst_lrscheduleeditor.moc"
