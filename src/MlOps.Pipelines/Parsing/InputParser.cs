using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

internal static class InputParser
{
    public static InputSource? Read(YNode node, NodeReader r, string what)
    {
        if (node is YScalar { IsNull: false } s)
        {
            if (Expressions.Contains(s.Value))
            {
                if (Expressions.Whole(s.Value) is { Scope: "steps" } e) return new StepOutputInput(e.Step!, e.Name, node.Line, node.Column);
                r.Errors.Add(node, $"{what} must be a path or exactly one ${{{{ steps.<step>.outputs.<name> }}}}, got '{s.Value}'");
                return null;
            }
            return CheckPath(s, r, what) ? new RepositoryInput(Normalize(s.Value), node.Line, node.Column) : null;
        }
        if (r.Mapping(node, what) is not { } map) return null;
        if (map.Get("run") is not null) return RunOutput(map, r, what);
        r.AllowKeys(map, what, ["project", "ref", "path"]);
        var path = ".";
        if (map.Get("path") is { } p)
        {
            if (p is not YScalar ps || !CheckPath(ps, r, what)) return null;
            path = Normalize(ps.Value);
        }
        if (map.Get("project") is not { } projectNode)
        {
            if (map.Get("path") is null) r.Errors.Add(node, $"{what} needs a path or a project", "inputs: { table: data/iris.csv } or { project: group/datasets, ref: v3, path: data/ }");
            return map.Get("path") is null ? null : new RepositoryInput(path, node.Line, node.Column);
        }
        var project = r.String(projectNode, $"project of {what}");
        if (project is not null && (project.Split('/').Length < 2 || project.Split('/').Any(seg => !Names.StepName().IsMatch(seg.Replace('.', '_')))))
        {
            r.Errors.Add(projectNode, $"project '{project}' of {what} is not a project path", "write the full path, e.g. acme/datasets/iris");
            return null;
        }
        if (map.Get("ref") is not { } refNode)
        {
            r.Errors.Add(node, $"{what} names a project but no ref", "add ref: a tag, branch or commit SHA (a tag or SHA keeps runs reproducible)");
            return null;
        }
        var gitRef = r.String(refNode, $"ref of {what}");
        return project is null || gitRef is null ? null : new ProjectInput(project, gitRef, path, node.Line, node.Column);
    }

    private static RunOutputInput? RunOutput(YMapping map, NodeReader r, string what)
    {
        r.AllowKeys(map, what, ["run", "job", "output"]);
        var runNode = map.Get("run")!;
        long run = 0;
        if (runNode is not YScalar { IsPlain: true } rs || !long.TryParse(rs.Value, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out run) || run <= 0)
            r.Errors.Add(runNode, $"run of {what} must be a run id (a positive integer), got {NodeReader.Describe(runNode)}");
        string? job = null, output = null;
        if (map.Get("job") is not { } jobNode) r.Errors.Add(map, $"{what} names a run but no job", "{ run: 123, job: fit, output: model }");
        else if ((job = r.String(jobNode, $"job of {what}")) is not null && !Names.StepName().IsMatch(job))
            r.Errors.Add(jobNode, $"job '{job}' of {what} is not a job name");
        if (map.Get("output") is not { } outNode) r.Errors.Add(map, $"{what} names a run but no output", "{ run: 123, job: fit, output: model }");
        else if ((output = r.String(outNode, $"output of {what}")) is not null && !Names.Identifier().IsMatch(output))
            r.Errors.Add(outNode, $"output '{output}' of {what} is not an output name");
        return run > 0 && job is not null && output is not null && Names.StepName().IsMatch(job) && Names.Identifier().IsMatch(output)
            ? new RunOutputInput(run, job, output, map.Line, map.Column) : null;
    }

    /// <summary>A path inside the repository: relative, without '..', so a step can never read outside it.</summary>
    public static bool CheckPath(YScalar node, NodeReader r, string what)
    {
        var path = node.Value;
        string? why = path.Length == 0 ? "must not be empty"
            : path.StartsWith('/') ? "must be relative to the repository root"
            : path.Contains('\\') ? "must use '/' as separator"
            : path.Split('/').Contains("..") ? "must not contain '..'"
            : path.Any(char.IsControl) ? "must not contain control characters"
            : null;
        if (why is null) return true;
        r.Errors.Add(node, $"path of {what} {why}, got '{path}'");
        return false;
    }

    private static string Normalize(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
