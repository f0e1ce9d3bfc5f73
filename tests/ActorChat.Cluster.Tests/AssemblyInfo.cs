// Each test class runs three server processes; two clusters at once would only fight over the
// machine's cores (and PostgreSQL's connections), and a starved node can be taken for a dead one.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
