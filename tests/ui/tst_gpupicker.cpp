// The GPU picker: GpuListModel's checkable rows make the --gpus value from fake
// device records; without the GPU module (or without a driver) the picker says
// why and keeps the CPU; the picker on this machine and build says which.
// QAbstractItemModelTester watches every model.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include <vector>

#include "GpuListModel.h"
#include "GpuPicker.h"
#include "fitbench/gpu_info.h"
#include "fitbench/gpu_module.h"

namespace {

const fitbench::GpuModuleStatus kLoaded{true, "/usr/lib/fitbench/libfitbench_cuda.so", {}};

std::vector<fitbench::GpuInfo> twoGpus() {
  fitbench::GpuInfo a;
  a.index = 0;
  a.name = "Fake GPU A";
  a.total_bytes = int64_t{80} << 30;
  a.free_bytes = int64_t{60} << 30;
  a.utilization_percent = 35;
  a.temperature_celsius = 51;
  fitbench::GpuInfo b = a;
  b.index = 1;
  b.name = "Fake GPU B";
  b.utilization_percent = -1;
  b.temperature_celsius = -1;
  return {a, b};
}

bool check(GpuListModel& model, int row, bool on) {
  return model.setData(model.index(row, GpuListModel::DeviceColumn), on ? Qt::Checked : Qt::Unchecked,
                       Qt::CheckStateRole);
}

Qt::CheckState state(const GpuListModel& model, int row) {
  return model.data(model.index(row, GpuListModel::DeviceColumn), Qt::CheckStateRole).value<Qt::CheckState>();
}

QString cell(const GpuListModel& model, int row, int column) {
  return model.data(model.index(row, column)).toString();
}

}  // namespace

class TestGpuPicker : public QObject {
  Q_OBJECT

 private slots:
  void rowsShowEveryDevice();
  void checksMakeTheGpusArgument();
  void setGpusArgument_data();
  void setGpusArgument();
  void cpuOnlyBuildKeepsTheCpu();
  void refreshKeepsListedSelection();
  void pickerSignalsGpus();
  void pickerWithoutGpusSaysWhy();
  void pickerOnThisMachine();
};

void TestGpuPicker::rowsShowEveryDevice() {
  GpuListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(model.rowCount(), 1);
  QCOMPARE(cell(model, 0, GpuListModel::DeviceColumn), QStringLiteral("CPU"));
  QCOMPARE(state(model, 0), Qt::Checked);
  model.setDevices(twoGpus(), true);
  QCOMPARE(model.rowCount(), 3);
  QCOMPARE(model.gpuCount(), 2);
  QCOMPARE(cell(model, 1, GpuListModel::DeviceColumn), QStringLiteral("GPU 0: Fake GPU A"));
  QVERIFY(cell(model, 1, GpuListModel::TotalMemoryColumn).startsWith(QStringLiteral("80")));
  QVERIFY(cell(model, 1, GpuListModel::FreeMemoryColumn).startsWith(QStringLiteral("60")));
  QCOMPARE(cell(model, 1, GpuListModel::UtilizationColumn), QStringLiteral("35 %"));
  QCOMPARE(cell(model, 1, GpuListModel::TemperatureColumn), QStringLiteral("51 °C"));
  // Values NVML did not report stay blank.
  QCOMPARE(cell(model, 2, GpuListModel::UtilizationColumn), QString());
  QCOMPARE(cell(model, 2, GpuListModel::TemperatureColumn), QString());
  for (int row = 0; row < 3; ++row)
    QVERIFY(model.flags(model.index(row, GpuListModel::DeviceColumn)) & Qt::ItemIsUserCheckable);
  QVERIFY(!(model.flags(model.index(1, GpuListModel::FreeMemoryColumn)) & Qt::ItemIsUserCheckable));
}

void TestGpuPicker::checksMakeTheGpusArgument() {
  GpuListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setDevices(twoGpus(), true);
  QSignalSpy changed(&model, &GpuListModel::gpusArgumentChanged);
  QCOMPARE(model.gpusArgument(), QString());

  QVERIFY(check(model, 2, true));
  QCOMPARE(model.gpusArgument(), QStringLiteral("1"));
  QCOMPARE(state(model, 0), Qt::Unchecked);
  QVERIFY(check(model, 1, true));
  QCOMPARE(model.gpusArgument(), QStringLiteral("0,1"));
  QCOMPARE(changed.count(), 2);
  QCOMPARE(changed.last().at(0).toString(), QStringLiteral("0,1"));

  // Unchecking the last GPU falls back to the CPU.
  QVERIFY(check(model, 1, false));
  QVERIFY(check(model, 2, false));
  QCOMPARE(model.gpusArgument(), QString());
  QCOMPARE(state(model, 0), Qt::Checked);

  // Checking the CPU clears the GPUs; the CPU alone cannot be unchecked.
  QVERIFY(check(model, 1, true));
  QVERIFY(check(model, 0, true));
  QCOMPARE(model.gpusArgument(), QString());
  QCOMPARE(state(model, 1), Qt::Unchecked);
  QVERIFY(!check(model, 0, false));
  QCOMPARE(state(model, 0), Qt::Checked);
  QCOMPARE(changed.last().at(0).toString(), QString());
}

void TestGpuPicker::setGpusArgument_data() {
  QTest::addColumn<QString>("gpus");
  QTest::addColumn<bool>("accepted");
  QTest::addColumn<QString>("result");
  QTest::newRow("cpu") << QString() << true << QString();
  QTest::newRow("one") << QStringLiteral("1") << true << QStringLiteral("1");
  QTest::newRow("both, any order and spaces") << QStringLiteral("1, 0") << true << QStringLiteral("0,1");
  QTest::newRow("not listed") << QStringLiteral("0,2") << false << QStringLiteral("0");
  QTest::newRow("not a number") << QStringLiteral("a") << false << QStringLiteral("0");
}

void TestGpuPicker::setGpusArgument() {
  QFETCH(QString, gpus);
  QFETCH(bool, accepted);
  QFETCH(QString, result);
  GpuListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setDevices(twoGpus(), true);
  QVERIFY(model.setGpusArgument(QStringLiteral("0")));
  QCOMPARE(model.setGpusArgument(gpus), accepted);
  QCOMPARE(model.gpusArgument(), result);
}

void TestGpuPicker::cpuOnlyBuildKeepsTheCpu() {
  GpuListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setDevices(twoGpus(), true);
  QVERIFY(model.setGpusArgument(QStringLiteral("0,1")));
  QSignalSpy changed(&model, &GpuListModel::gpusArgumentChanged);
  model.setDevices(twoGpus(), false);
  QCOMPARE(changed.count(), 1);
  QCOMPARE(model.gpusArgument(), QString());
  QCOMPARE(model.rowCount(), 3);  // still listed, for information
  QVERIFY(!(model.flags(model.index(1, GpuListModel::DeviceColumn)) & Qt::ItemIsUserCheckable));
  QVERIFY(!model.data(model.index(1, GpuListModel::DeviceColumn), Qt::CheckStateRole).isValid());
  QVERIFY(!check(model, 1, true));
  QVERIFY(!model.setGpusArgument(QStringLiteral("0")));
  QCOMPARE(state(model, 0), Qt::Checked);
  QVERIFY(model.data(model.index(1, 0), Qt::ToolTipRole).toString().contains(QStringLiteral("CPU only")));
}

void TestGpuPicker::refreshKeepsListedSelection() {
  GpuListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
  model.setDevices(twoGpus(), true);
  QVERIFY(model.setGpusArgument(QStringLiteral("0,1")));
  QSignalSpy changed(&model, &GpuListModel::gpusArgumentChanged);
  model.setDevices(twoGpus(), true);  // new memory figures, same GPUs
  QCOMPARE(changed.count(), 0);
  QCOMPARE(model.gpusArgument(), QStringLiteral("0,1"));
  model.setDevices({twoGpus()[1]}, true);  // GPU 0 went away
  QCOMPARE(model.gpusArgument(), QStringLiteral("1"));
  QCOMPARE(changed.count(), 1);
}

void TestGpuPicker::pickerSignalsGpus() {
  GpuPicker picker;
  QAbstractItemModelTester tester(picker.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  picker.setInventory({twoGpus(), {}}, kLoaded);
  QSignalSpy changed(&picker, &GpuPicker::gpusChanged);
  QVERIFY(!picker.statusText().contains(QStringLiteral("CPU only")));
  QVERIFY(check(*picker.model(), 1, true));
  QVERIFY(check(*picker.model(), 2, true));
  QCOMPARE(picker.selectedGpus(), QStringLiteral("0,1"));
  QCOMPARE(changed.count(), 2);
  QCOMPARE(changed.last().at(0).toString(), QStringLiteral("0,1"));
  QVERIFY(picker.setSelectedGpus(QString()));
  QCOMPARE(changed.last().at(0).toString(), QString());
  QVERIFY(!picker.setSelectedGpus(QStringLiteral("7")));
  picker.show();
  QVERIFY(QTest::qWaitForWindowExposed(&picker));
  QCOMPARE(picker.model()->rowCount(), 3);  // a fed inventory is not replaced by NVML's
}

void TestGpuPicker::pickerWithoutGpusSaysWhy() {
  GpuPicker picker;
  QAbstractItemModelTester tester(picker.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  const std::string reason = "no NVIDIA driver found (libnvidia-ml.so.1 could not be loaded)";
  const fitbench::GpuModuleStatus missing{
      false, {}, "this fitbench has no GPU module (none at /x/lib/fitbench)"};
  picker.setInventory({{}, reason}, missing);
  QVERIFY(picker.statusText().contains(QStringLiteral("CPU only")));
  QVERIFY(picker.statusText().contains(QString::fromStdString(missing.reason)));
  QVERIFY(picker.statusText().contains(QString::fromStdString(reason)));
  QCOMPARE(picker.model()->rowCount(), 1);
  QCOMPARE(state(*picker.model(), 0), Qt::Checked);
  QCOMPARE(picker.selectedGpus(), QString());

  // A loaded GPU module on a machine without GPUs says so too.
  picker.setInventory({{}, {}}, kLoaded);
  QVERIFY(picker.statusText().contains(QStringLiteral("No GPU")));
}

void TestGpuPicker::pickerOnThisMachine() {
  const fitbench::GpuInventory inventory = fitbench::query_gpus();
  // Without GPUs there is always a reason to show.
  QVERIFY(!inventory.gpus.empty() || !inventory.reason.empty());
  GpuPicker picker;
  QAbstractItemModelTester tester(picker.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
  QCOMPARE(picker.model()->gpuCount(), int(inventory.gpus.size()));
  const fitbench::GpuModuleStatus& module = fitbench::gpu_module_status();
  QCOMPARE(picker.statusText().contains(QStringLiteral("CPU only")), !module.loaded);
  if (!module.loaded) QVERIFY(picker.statusText().contains(QString::fromStdString(module.reason)));
  if (!inventory.reason.empty())
    QVERIFY(picker.statusText().contains(QString::fromStdString(inventory.reason)));
  QCOMPARE(picker.selectedGpus(), QString());
}

QTEST_MAIN(TestGpuPicker)
#include "tst_gpupicker.moc"
