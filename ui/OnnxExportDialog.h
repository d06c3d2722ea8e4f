// The checkpoint browser's ONNX export: a dialog for the file and the options
// fitbench-export takes (opset, dynamic batch, preprocessing folded in), and
// the export itself, which runs on a worker thread (exportToOnnx()).
#pragma once

#include <QDialog>
#include <QString>

#include <optional>

#include "fitbench/fit_args.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;

// What the user chose; the defaults suit ONNX Runtime on raw images.
struct OnnxExportChoice {
  QString path;
  int opset = 13;
  bool dynamicBatch = true;
  bool includePreprocessing = true;
};

class OnnxExportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit OnnxExportDialog(const OnnxExportChoice& choice, QWidget* parent = nullptr);
  OnnxExportChoice choice() const;

 public slots:
  // Refuses a file in a folder that does not exist (said in the dialog) and
  // asks before replacing a file.
  void accept() override;

 private:
  void browse();

  QLineEdit* m_path = nullptr;
  QSpinBox* m_opset = nullptr;
  QCheckBox* m_dynamicBatch = nullptr;
  QCheckBox* m_preprocessing = nullptr;
  QLabel* m_problem = nullptr;  // why Export did not close the dialog
};

// The file an export of `prefix` at `epoch` offers first: "<prefix>-0003.onnx".
QString defaultOnnxPath(const QString& prefix, int epoch);

// Loads the checkpoint and writes it as ONNX (fitbench::save_onnx) with the
// input shape and normalisation of the run's `args` (fit's defaults when
// unknown). Synchronous: the browser runs it on a worker thread. Returns the
// line to show: what was written, or the error naming the file or layer.
struct OnnxExportResult {
  bool ok = false;
  QString message;
};
OnnxExportResult exportToOnnx(const QString& prefix, int epoch, const std::optional<fitbench::FitArgs>& args,
                              const OnnxExportChoice& choice);
