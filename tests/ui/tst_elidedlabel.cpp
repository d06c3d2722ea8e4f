// ElidedLabel: a long text leaves the label's minimum size and the window
// around it as they were, is cut with "…" to the width the label gets and is
// then the tooltip; each line of a text of several lines is cut by itself.
#include <QHBoxLayout>
#include <QtTest>

#include "ElidedLabel.h"

namespace {

const QString kLong = QStringLiteral("Failed: cannot open /nonexistent/") + QString(600, QLatin1Char('d')) +
                      QStringLiteral("/train-images-idx3-ubyte.gz");

}  // namespace

class TestElidedLabel : public QObject {
  Q_OBJECT

 private slots:
  void longTextKeepsTheWindowWidth();
  void cutTextIsTheTooltip();
  void linesAreCutEach();
};

void TestElidedLabel::longTextKeepsTheWindowWidth() {
  QWidget window;
  auto* layout = new QHBoxLayout(&window);
  auto* label = new ElidedLabel(QStringLiteral("Ready"), &window);
  layout->addWidget(label);
  window.resize(300, 40);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  const QSize minimum = window.minimumSizeHint();

  label->setText(kLong);
  QTest::qWait(50);  // for the posted layout request
  QCOMPARE(window.minimumSizeHint(), minimum);
  QCOMPARE(window.width(), 300);
  QCOMPARE(label->text(), kLong);
  // It asks for a usual line at the most.
  QVERIFY(label->sizeHint().width() <=
          80 * label->fontMetrics().averageCharWidth() + 2 * label->frameWidth());
}

void TestElidedLabel::cutTextIsTheTooltip() {
  ElidedLabel label;
  label.resize(200, 20);
  label.show();
  QVERIFY(QTest::qWaitForWindowExposed(&label));
  label.setText(QStringLiteral("Ready"));
  QVERIFY(!label.isElided());
  QCOMPARE(label.toolTip(), QString());

  label.setText(kLong);
  QVERIFY(label.isElided());
  QCOMPARE(label.toolTip(), kLong);

  // Room for the whole text: nothing is cut, and the tooltip goes.
  label.resize(label.fontMetrics().horizontalAdvance(kLong) + 20, 20);
  QTRY_VERIFY(!label.isElided());
  QCOMPARE(label.toolTip(), QString());
}

void TestElidedLabel::linesAreCutEach() {
  ElidedLabel label(QStringLiteral("Cannot delete lenet-0001.params.\n") + kLong);
  QCOMPARE(label.sizeHint().height(), 2 * label.fontMetrics().height() + 2 * label.frameWidth());
  QCOMPARE(label.minimumSizeHint().height(), label.sizeHint().height());
  label.resize(label.fontMetrics().horizontalAdvance(QStringLiteral("Cannot delete lenet-0001.params.")) + 10,
               40);
  label.show();
  QVERIFY(QTest::qWaitForWindowExposed(&label));
  QVERIFY(label.isElided());  // the second line only
  QCOMPARE(label.toolTip(), label.text());
}

QTEST_MAIN(TestElidedLabel)
#include "tst_elidedlabel.moc"
