package web

func (s *Server) caseRoutes() []route { return nil }
