package web

func (s *Server) queueRoutes() []route { return nil }
