// MemoryEstimateLabel: the form's run checked against free memory off the UI
// thread, as fit() checks it; a run that cannot fit turns red and says which
// batch size would; a check overtaken by a newer form is dropped.
#include <QSignalSpy>
#include <QtTest>

#include "MemoryEstimateLabel.h"
#include "fitbench/fit.h"

namespace {

fitbench::FitConfig configWith(const QString& batchSize) {
  fitbench::FitArgs args = fitbench::train_mnist_defaults();
  args.set("batch-size", batchSize.toStdString());
  return fitbench::FitConfig::resolve(args);
}

}  // namespace

class TestMemoryEstimateLabel : public QObject {
  Q_OBJECT

 private slots:
  void aRunThatFitsShowsItsNeedAndWhatIsFree();
  void aRunThatCannotFitSaysWhichBatchWould();
  void onlyTheNewestFormIsShown();
  void workerProcessesEachNeedTheirShare();
};

void TestMemoryEstimateLabel::aRunThatFitsShowsItsNeedAndWhatIsFree() {
  MemoryEstimateLabel label;
  QSignalSpy checked(&label, &MemoryEstimateLabel::checked);
  label.setConfig(configWith(QStringLiteral("64")));
  QVERIFY(label.isChecking());
  QVERIFY(checked.wait(20000));
  QVERIFY(!label.isChecking());
  QVERIFY2(label.text().startsWith(QStringLiteral("Memory: ")), qPrintable(label.text()));
  QVERIFY2(label.text().contains(QStringLiteral(" free")), qPrintable(label.text()));
  QVERIFY(!label.doesNotFit());
  QVERIFY2(label.toolTip().contains(QStringLiteral("activations")), qPrintable(label.toolTip()));
}

void TestMemoryEstimateLabel::aRunThatCannotFitSaysWhichBatchWould() {
  MemoryEstimateLabel label;
  QSignalSpy checked(&label, &MemoryEstimateLabel::checked);
  label.setConfig(configWith(QStringLiteral("1000000000")));
  QVERIFY(checked.wait(20000));
  QVERIFY(label.doesNotFit());
  QVERIFY2(label.text().startsWith(QStringLiteral("Does not fit: ")), qPrintable(label.text()));
  QVERIFY2(label.toolTip().contains(QStringLiteral("the largest --batch-size that fits is ")),
           qPrintable(label.toolTip()));
}

void TestMemoryEstimateLabel::onlyTheNewestFormIsShown() {
  MemoryEstimateLabel label;
  QSignalSpy checked(&label, &MemoryEstimateLabel::checked);
  label.setConfig(configWith(QStringLiteral("1000000000")));
  label.setConfig(configWith(QStringLiteral("64")));
  QVERIFY(checked.wait(20000));
  QTest::qWait(500);  // a stale result would arrive by now
  QCOMPARE(checked.count(), 1);
  QVERIFY(!label.doesNotFit());
}

void TestMemoryEstimateLabel::workerProcessesEachNeedTheirShare() {
  fitbench::MemoryCheck check;
  check.estimate.host.activations = 600;
  check.available.host = 1000;
  QVERIFY(!MemoryEstimateLabel::describe(check, 1).doesNotFit);
  const MemoryEstimateLabel::Outcome two = MemoryEstimateLabel::describe(check, 2);
  QVERIFY(two.doesNotFit);
  QVERIFY2(two.text.startsWith(QStringLiteral("Does not fit: 2 × ")), qPrintable(two.text));
  QVERIFY2(two.toolTip.contains(QStringLiteral("use fewer processes")), qPrintable(two.toolTip));
}

QTEST_MAIN(TestMemoryEstimateLabel)
#include "tst_memoryestimatelabel.moc"
