// MainDocks: the Experiment, Checkpoints and Devices docks, with the Queue,
// are tabs on the left with the Experiment in front; the checkpoint browser
// scrolls in its dock; the devices' checks write --gpus into the form, but
// not while a run goes on, when the form and the devices are fixed.
#include <QDockWidget>
#include <QMainWindow>
#include <QScrollArea>
#include <QtTest>

#include "ArgsForm.h"
#include "CheckpointBrowser.h"
#include "ExperimentPanel.h"
#include "GpuPicker.h"
#include "MainDocks.h"

class TestMainDocks : public QObject {
  Q_OBJECT

 private slots:
  void tabsOnTheLeft();
  void devicesWriteGpus();
};

void TestMainDocks::tabsOnTheLeft() {
  QMainWindow window;
  window.setCentralWidget(new QWidget);
  MainDocks docks(&window);
  auto* queue = new QDockWidget(QStringLiteral("Queue"), &window);
  queue->setWidget(new QWidget);
  docks.arrange(queue);
  window.resize(1280, 720);
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));

  const QList<QDockWidget*> all{docks.experimentDock(), docks.checkpointDock(), docks.devicesDock(), queue};
  for (QDockWidget* dock : all) QCOMPARE(window.dockWidgetArea(dock), Qt::LeftDockWidgetArea);
  QCOMPARE(window.tabifiedDockWidgets(docks.experimentDock()).size(), 3);
  // The tabs behind the front one are "visible" but show nothing.
  for (QDockWidget* dock : all)
    QVERIFY2(dock->visibleRegion().isEmpty() == (dock != docks.experimentDock()),
             qPrintable(dock->windowTitle()));
  // The experiment form without a horizontal scroll bar.
  QVERIFY2(docks.experimentDock()->width() >= 380,
           qPrintable(QString::number(docks.experimentDock()->width())));
  auto* scroll = qobject_cast<QScrollArea*>(docks.checkpointDock()->widget());
  QVERIFY(scroll != nullptr);
  QCOMPARE(scroll->widget(), docks.checkpointBrowser());
  QCOMPARE(docks.toggleActions(), QList<QAction*>({docks.experimentDock()->toggleViewAction(),
                                                   docks.checkpointDock()->toggleViewAction(),
                                                   docks.devicesDock()->toggleViewAction()}));
}

void TestMainDocks::devicesWriteGpus() {
  QMainWindow window;
  MainDocks docks(&window);
  emit docks.gpuPicker()->gpusChanged(QStringLiteral("0,1"));
  QCOMPARE(docks.experiment()->args().get_string("gpus"), std::string("0,1"));
  emit docks.gpuPicker()->gpusChanged(QString());
  QVERIFY(!docks.experiment()->args().is_set("gpus"));

  docks.setRunInProgress(true);
  QVERIFY(!docks.gpuPicker()->isEnabled());
  QVERIFY(docks.experiment()->form()->isReadOnly());
  emit docks.gpuPicker()->gpusChanged(QStringLiteral("1"));
  QVERIFY(!docks.experiment()->args().is_set("gpus"));

  docks.setRunInProgress(false);
  QVERIFY(docks.gpuPicker()->isEnabled());
  QVERIFY(!docks.experiment()->form()->isReadOnly());
}

QTEST_MAIN(TestMainDocks)
#include "tst_maindocks.moc"
