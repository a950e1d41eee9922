package kernels

// Settings of the paper's code (github.com/mdenil/parameter_prediction), as collected in
// shared/docs/method.md. Lengths are in pixels, ridges are λ of KRR.
const (
	// PaperSELength and PaperSERidge: SE KRR dictionary of the MNIST MLP's first layer in
	// the single-hidden-layer examples (method.md §3, §9).
	PaperSELength = 2.0
	PaperSERidge  = 0.1

	// PaperSERawLength: SE raw-atom dictionary (no ridge) of the MNIST MLP's first layer in
	// the multi-run sweep (method.md §3, §9).
	PaperSERawLength = 1.0

	// PaperConvLength and PaperConvRidge: SE KRR dictionary of the MNIST convnet's 5×5
	// filters, zero correlation across channels (method.md §3, §7).
	PaperConvLength = 3.0
	PaperConvRidge  = 0.1

	// PaperEmpRidge: ridge of the Emp and Emp2 KRR dictionaries (method.md §3, §9, §13:
	// MNIST's constant border pixels make the covariance singular).
	PaperEmpRidge = 0.001

	// PaperRandFixScale: standard deviation of the RandFixU dictionary (method.md §3).
	PaperRandFixScale = 0.1
)
